DROP TABLE school_feedback;
