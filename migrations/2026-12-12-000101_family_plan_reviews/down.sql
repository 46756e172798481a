DROP TABLE family_review_ratings;
DROP TABLE family_plan_reviews;
