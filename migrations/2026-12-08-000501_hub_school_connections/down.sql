DROP TABLE hub_school_connections;
