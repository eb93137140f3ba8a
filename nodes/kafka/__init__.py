"""Kafka node types of node-red-contrib-kafka-manager and node-red-contrib-kafka-node-latest."""
