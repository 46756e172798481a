//! Families as the unit of work (issue 13, item 1): a household in a zone,
//! its children (linked to the LA's child record) and adults, the family's
//! page with every child's referrals as far as the caller may see, and the
//! link of a referral to its family, and the family's consents (with the
//! consents feature's DTOs), its early help assessments, its plan and the
//! plan's reviews. Who sees what: docs/security.md,
//! "Families".

pub mod assessments;
pub mod consents;
pub mod dto;
pub mod early_help_dto;
pub mod handlers;
pub mod members;
pub mod plan;
pub mod reviews;
pub mod view;

/// Registers the family operations.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig<'_>) {
    cfg.service(handlers::create_family)
        .service(handlers::list_families)
        .service(handlers::get_family)
        .service(handlers::update_family)
        .service(handlers::link_referral_family)
        .service(members::add_family_member)
        .service(members::list_family_members)
        .service(members::get_family_member)
        .service(members::update_family_member)
        .service(members::remove_family_member)
        .service(members::erase_family_member)
        .service(members::export_family_member)
        .service(consents::list_family_consents)
        .service(assessments::create_family_assessment)
        .service(assessments::list_family_assessments)
        .service(assessments::get_family_assessment)
        .service(assessments::update_family_assessment)
        .service(plan::get_family_plan)
        .service(plan::put_family_plan)
        .service(plan::family_plan_versions)
        .service(reviews::record_family_review)
        .service(reviews::list_family_reviews)
        .service(reviews::get_family_review);
}
