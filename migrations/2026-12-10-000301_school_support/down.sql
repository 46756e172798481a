DROP TABLE school_support_actions;
DROP TABLE school_support_sessions;
DROP TABLE school_support;
