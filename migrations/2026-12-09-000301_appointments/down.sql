DROP TABLE calendar_tokens;
DROP TABLE appointment_workers;
DROP TABLE appointments;
