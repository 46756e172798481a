DROP TABLE programme_attendance;
DROP TABLE programme_enrolments;
DROP TABLE programme_sessions;
DROP TABLE programmes;
DROP TABLE family_hubs;
DROP TABLE consultations;
DROP TABLE termly_conversation_referrals;
DROP TABLE termly_conversations;
