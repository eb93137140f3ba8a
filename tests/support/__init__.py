"""Test support: real services (Mosquitto, Kafka), a Camunda-speaking HTTP server, fixtures."""
