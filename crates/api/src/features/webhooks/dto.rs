//! Request and response bodies of webhook subscriptions and their delivery
//! log.

use crate::http::paging::list_page;
use chrono::DateTime;
use chrono::Utc;
use sct_domain as domain;
use sct_domain::WireName;
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

/// A webhook event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum WebhookEventType {
    /// A referral was submitted.
    #[serde(rename = "referral.submitted")]
    ReferralSubmitted,
    /// A referral's status changed (every change, including to allocated and closed).
    #[serde(rename = "referral.status_changed")]
    ReferralStatusChanged,
    /// A referral was allocated or reallocated to a worker.
    #[serde(rename = "referral.allocated")]
    ReferralAllocated,
    /// A worker was added to or removed from a referral's co-workers.
    #[serde(rename = "referral.co_workers_changed")]
    ReferralCoWorkersChanged,
    /// A referral was closed with an outcome.
    #[serde(rename = "referral.closed")]
    ReferralClosed,
    /// A termly conversation was booked (or its date moved).
    #[serde(rename = "termly_conversation.scheduled")]
    TermlyConversationScheduled,
    /// A consultation was recorded for a school.
    #[serde(rename = "consultation.recorded")]
    ConsultationRecorded,
    /// A follow-up of a closed referral was recorded (sustained or not).
    #[serde(rename = "referral.follow_up_recorded")]
    ReferralFollowUpRecorded,
    /// A referral's review fell due (staff only: teams and la_admin), once
    /// per due date, from a scheduled sweep.
    #[serde(rename = "review.due")]
    ReviewDue,
    /// A follow-up of a closed referral fell due (staff only), once, from a
    /// scheduled sweep.
    #[serde(rename = "follow_up.due")]
    FollowUpDue,
    /// A termly conversation was offered to a school of the zone (staff only).
    #[serde(rename = "termly_conversation.offered")]
    TermlyConversationOffered,
    /// A family on a programme's waiting list was given a freed place
    /// (staff only).
    #[serde(rename = "enrolment.promoted")]
    EnrolmentPromoted,
}

impl From<WebhookEventType> for domain::EventType {
    fn from(v: WebhookEventType) -> Self {
        match v {
            WebhookEventType::ReferralSubmitted => Self::ReferralSubmitted,
            WebhookEventType::ReferralStatusChanged => Self::ReferralStatusChanged,
            WebhookEventType::ReferralAllocated => Self::ReferralAllocated,
            WebhookEventType::ReferralCoWorkersChanged => Self::ReferralCoWorkersChanged,
            WebhookEventType::ReferralClosed => Self::ReferralClosed,
            WebhookEventType::TermlyConversationScheduled => Self::TermlyConversationScheduled,
            WebhookEventType::ConsultationRecorded => Self::ConsultationRecorded,
            WebhookEventType::ReferralFollowUpRecorded => Self::ReferralFollowUpRecorded,
            WebhookEventType::ReviewDue => Self::ReviewDue,
            WebhookEventType::FollowUpDue => Self::FollowUpDue,
            WebhookEventType::TermlyConversationOffered => Self::TermlyConversationOffered,
            WebhookEventType::EnrolmentPromoted => Self::EnrolmentPromoted,
        }
    }
}

impl From<domain::EventType> for WebhookEventType {
    fn from(v: domain::EventType) -> Self {
        match v {
            domain::EventType::ReferralSubmitted => Self::ReferralSubmitted,
            domain::EventType::ReferralStatusChanged => Self::ReferralStatusChanged,
            domain::EventType::ReferralAllocated => Self::ReferralAllocated,
            domain::EventType::ReferralCoWorkersChanged => Self::ReferralCoWorkersChanged,
            domain::EventType::ReferralClosed => Self::ReferralClosed,
            domain::EventType::TermlyConversationScheduled => Self::TermlyConversationScheduled,
            domain::EventType::ConsultationRecorded => Self::ConsultationRecorded,
            domain::EventType::ReferralFollowUpRecorded => Self::ReferralFollowUpRecorded,
            domain::EventType::ReviewDue => Self::ReviewDue,
            domain::EventType::FollowUpDue => Self::FollowUpDue,
            domain::EventType::TermlyConversationOffered => Self::TermlyConversationOffered,
            domain::EventType::EnrolmentPromoted => Self::EnrolmentPromoted,
        }
    }
}

/// A new webhook subscription.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://mis.example/hooks/sct", "events": ["referral.submitted", "referral.status_changed"]}))]
pub struct NewWebhookSubscription {
    /// Where to POST events: http or https, resolving only to public
    /// addresses (loopback is allowed in development).
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "https://mis.example/hooks/sct"
    )]
    #[validate(length(min = 1, max = 2000))]
    pub url: String,
    /// The event types to receive (at least one).
    #[schema(min_items = 1, max_items = 20)]
    #[validate(length(min = 1, max = 20))]
    pub events: Vec<WebhookEventType>,
}

/// A webhook subscription's new settings (all replaced).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://mis.example/hooks/sct", "events": ["referral.status_changed"], "active": true}))]
pub struct WebhookSubscriptionUpdate {
    /// Where to POST events (same rules as on creation).
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "https://mis.example/hooks/sct"
    )]
    #[validate(length(min = 1, max = 2000))]
    pub url: String,
    /// The event types to receive (at least one).
    #[schema(min_items = 1, max_items = 20)]
    #[validate(length(min = 1, max = 20))]
    pub events: Vec<WebhookEventType>,
    /// `false` pauses deliveries; `true` re-enables a subscription the
    /// platform disabled after repeated failures (its failure count restarts).
    pub active: bool,
}

/// A webhook subscription.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookSubscription {
    /// The subscription's id.
    pub id: Uuid,
    /// The integration client that owns it; absent for a team's or the
    /// council's subscription.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub client_id: Option<Uuid>,
    /// The team that owns it (made by the team's manager); absent for a
    /// client's or the council's subscription.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub team_id: Option<Uuid>,
    /// Where events are POSTed.
    pub url: String,
    /// The event types it receives.
    pub events: Vec<WebhookEventType>,
    /// Whether deliveries are made.
    pub active: bool,
    /// When it was disabled (by its owner, or after repeated failures).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub disabled_at: Option<DateTime<Utc>>,
    /// Why it was disabled.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub disabled_reason: Option<String>,
    /// Failed attempts since the last success.
    pub consecutive_failures: i32,
    /// The signing secret (`whsec_` + base64 key): present only in the
    /// answer to creation. Store it then.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub secret: Option<String>,
    /// Increases with every change; the ETag is `"v{version}"`.
    pub version: i32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<sct_persistence::webhooks::SubscriptionRow> for WebhookSubscription {
    fn from(s: sct_persistence::webhooks::SubscriptionRow) -> Self {
        Self {
            id: s.id,
            client_id: s.client_id,
            team_id: s.team_id,
            url: s.url,
            events: s
                .events
                .iter()
                .filter_map(|e| domain::EventType::parse(e))
                .map(WebhookEventType::from)
                .collect(),
            active: s.active,
            disabled_at: s.disabled_at,
            disabled_reason: s.disabled_reason,
            consecutive_failures: s.consecutive_failures,
            secret: None,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

list_page! {
    /// A page of webhook subscriptions.
    WebhookSubscriptionPage {
        /// The subscriptions on this page.
        items: WebhookSubscription
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its next attempt (or for an earlier event of the same referral).
    Pending,
    /// A 2xx answer was received.
    Succeeded,
    /// Every attempt failed; replay it to try again.
    Failed,
    /// Not sent: the subscription's client may no longer act for the school.
    Cancelled,
}

/// One attempt to deliver an event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookAttempt {
    /// When it was made.
    pub attempted_at: DateTime<Utc>,
    /// The receiver's HTTP status, if it answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub status_code: Option<i32>,
    /// What went wrong, if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: i32,
    /// Whether it succeeded (a 2xx answer).
    pub succeeded: bool,
}

/// The delivery of one event to one subscription, with every attempt.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookDelivery {
    /// The delivery's id, sent as `webhook-id` (the same on every retry and replay).
    pub id: Uuid,
    /// The outbox event delivered.
    pub event_id: Uuid,
    /// Its type.
    #[schema(value_type = WebhookEventType)]
    pub event_type: String,
    /// The referral (or other object) the event is about.
    pub subject_id: Uuid,
    /// Where the delivery stands.
    pub status: DeliveryStatus,
    /// Attempts counted against the retry budget since the last replay.
    pub attempts: i32,
    /// When the next attempt is due (pending deliveries).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// HTTP status of the last attempt, if the receiver answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub last_status_code: Option<i32>,
    /// Error of the last attempt, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub last_error: Option<String>,
    /// When the delivery was created.
    pub created_at: DateTime<Utc>,
    /// Every attempt, oldest first.
    pub attempt_log: Vec<WebhookAttempt>,
}

impl From<sct_persistence::webhooks::DeliveryView> for WebhookDelivery {
    fn from(v: sct_persistence::webhooks::DeliveryView) -> Self {
        let d = v.delivery;
        let status = match d.status.as_str() {
            "succeeded" => DeliveryStatus::Succeeded,
            "failed" => DeliveryStatus::Failed,
            "cancelled" => DeliveryStatus::Cancelled,
            _ => DeliveryStatus::Pending,
        };
        Self {
            id: d.id,
            event_id: d.event_id,
            event_type: v.event_type,
            subject_id: d.subject_id,
            status,
            attempts: d.attempts,
            next_attempt_at: (status == DeliveryStatus::Pending).then_some(d.next_attempt_at),
            last_status_code: d.last_status_code,
            last_error: d.last_error,
            created_at: d.created_at,
            attempt_log: v
                .attempts
                .into_iter()
                .map(|a| WebhookAttempt {
                    attempted_at: a.attempted_at,
                    status_code: a.status_code,
                    error: a.error,
                    duration_ms: a.duration_ms,
                    succeeded: a.succeeded,
                })
                .collect(),
        }
    }
}

list_page! {
    /// A page of deliveries, in event order.
    WebhookDeliveryPage {
        /// The deliveries on this page.
        items: WebhookDelivery
    }
}
