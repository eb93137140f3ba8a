"""End-to-end tests of the three microservice flows (``flows/iot-kafka-*.json``)."""
