# Apache Kafka 4 (KRaft, one node) for scripts/services.sh (sourced).
#
# The broker's jars (org.apache.kafka:kafka_2.13 and its runtime dependencies, plus the
# slf4j→log4j2 binding so it logs) are resolved from Maven Central by Maven once, into
# $FLOWENGINE_CACHE/kafka-<version>/lib; later starts need no network.
# shellcheck shell=bash

KAFKA_VERSION="${KAFKA_VERSION:-4.4.0}"
KAFKA_LOG4J_VERSION="${KAFKA_LOG4J_VERSION:-2.25.5}"
KAFKA_HOME_DIR="$SERVICES_CACHE/kafka-$KAFKA_VERSION"
KAFKA_LIB="$KAFKA_HOME_DIR/lib"
KAFKA_STATE="$SERVICES_DIR/kafka"

# kafka_resolve: fill $KAFKA_LIB with Maven (once; a marker file says it is complete).
kafka_resolve() {
  [ -f "$KAFKA_HOME_DIR/.complete" ] && return 0
  command -v mvn >/dev/null 2>&1 || die "kafka: Maven (mvn) is needed to fetch the broker jars"
  command -v java >/dev/null 2>&1 || die "kafka: java (17+) is needed"
  note "kafka: resolving org.apache.kafka:kafka_2.13:$KAFKA_VERSION from Maven Central"
  mkdir -p "$KAFKA_HOME_DIR"
  local work
  work="$(mktemp -d "$KAFKA_HOME_DIR/resolve.XXXXXX")"
  cat >"$work/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.flowengine</groupId>
  <artifactId>kafka-broker-jars</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$KAFKA_VERSION</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>$KAFKA_LOG4J_VERSION</version>
    </dependency>
  </dependencies>
</project>
EOF
  if ! (cd "$work" && mvn -B -q -ntp dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$work/lib" </dev/null >"$work/mvn.log" 2>&1); then
    tail -n 30 "$work/mvn.log" >&2
    rm -rf "$work"
    die "kafka: Maven could not resolve kafka_2.13:$KAFKA_VERSION"
  fi
  rm -rf "$KAFKA_LIB"
  mv "$work/lib" "$KAFKA_LIB"
  rm -rf "$work"
  echo "$KAFKA_VERSION" >"$KAFKA_HOME_DIR/.complete"
}

kafka_write_config() {
  local port="$1" controller_port="$2"
  cat >"$KAFKA_STATE/server.properties" <<EOF
# Written by scripts/services.sh; rewritten on every start. One node, KRaft mode.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$SERVICES_HOST:$controller_port
listeners=PLAINTEXT://$SERVICES_HOST:$port,CONTROLLER://$SERVICES_HOST:$controller_port
advertised.listeners=PLAINTEXT://$SERVICES_HOST:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_STATE/data
num.partitions=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.flush.interval.messages=9223372036854775807
EOF
  cat >"$KAFKA_STATE/log4j2.properties" <<EOF
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $KAFKA_STATE/kafka.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
EOF
}

kafka_java() {
  # java on PATH; Kafka 4 brokers need Java 17 or newer.
  command -v java
}

kafka_endpoint() {
  echo "KAFKA=$SERVICES_HOST:$(cat "$KAFKA_STATE/port")"
}

kafka_up() {
  mkdir -p "$KAFKA_STATE"
  if pid_alive "$KAFKA_STATE/pid" "$KAFKA_STATE/server.properties"; then
    kafka_endpoint
    return 0
  fi
  kafka_resolve
  local old_ports="" port controller_port
  [ -s "$KAFKA_STATE/port" ] && old_ports="$(cat "$KAFKA_STATE/port"):$(cat "$KAFKA_STATE/controller_port" 2>/dev/null)"
  port="$(pick_port "$KAFKA_STATE/port" "${KAFKA_PORT:-}")"
  controller_port="$(pick_port "$KAFKA_STATE/controller_port" "${KAFKA_CONTROLLER_PORT:-}")"
  if [ "$controller_port" = "$port" ]; then
    controller_port="$(free_port)"
    echo "$controller_port" >"$KAFKA_STATE/controller_port"
  fi
  # Metadata written for other ports or another version does not fit: start afresh.
  if [ "$old_ports" != "$port:$controller_port" ] ||
    [ "$(cat "$KAFKA_STATE/version" 2>/dev/null)" != "$KAFKA_VERSION" ]; then
    rm -rf "$KAFKA_STATE/data"
  fi
  kafka_write_config "$port" "$controller_port"
  echo "$KAFKA_VERSION" >"$KAFKA_STATE/version"
  local java
  java="$(kafka_java)" || die "kafka: java (17+) is needed"
  if [ ! -f "$KAFKA_STATE/data/meta.properties" ]; then
    rm -rf "$KAFKA_STATE/data"
    local cluster_id
    # A random base64 id; one starting with "-" would be read as an option by the storage tool.
    cluster_id="$(python3 -c 'import base64,uuid
while True:
    cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    if cid[0] != "-":
        break
print(cid)')"
    echo "$cluster_id" >"$KAFKA_STATE/cluster_id"
    if ! "$java" -Xmx256m -cp "$KAFKA_LIB/*" \
      -Dlog4j2.configurationFile="$KAFKA_STATE/log4j2.properties" \
      kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_STATE/server.properties" \
      </dev/null >"$KAFKA_STATE/format.log" 2>&1; then
      cat "$KAFKA_STATE/format.log" >&2
      die "kafka: formatting the storage failed"
    fi
  fi
  start_detached "$KAFKA_STATE/stdout.log" "$KAFKA_STATE/pid" \
    "$java" "-Xmx${KAFKA_HEAP:-512m}" -Xms128m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_STATE/log4j2.properties" \
    -cp "$KAFKA_LIB/*" kafka.Kafka "$KAFKA_STATE/server.properties"
  if ! "$(python_for_probes)" "$services_lib/probe.py" kafka "$SERVICES_HOST" "$port" \
    --timeout "$SERVICES_READY_TIMEOUT" --pid "$(cat "$KAFKA_STATE/pid")"; then
    tail -n 30 "$KAFKA_STATE/stdout.log" "$KAFKA_STATE/kafka.log" >&2 2>/dev/null || true
    stop_pid "$KAFKA_STATE/pid" "$KAFKA_STATE/server.properties" 10 kafka
    die "kafka did not become ready on $SERVICES_HOST:$port"
  fi
  note "kafka $KAFKA_VERSION ready (pid $(cat "$KAFKA_STATE/pid"))"
  kafka_endpoint
}

kafka_down() {
  stop_pid "$KAFKA_STATE/pid" "$KAFKA_STATE/server.properties" 30 kafka
}

kafka_status() {
  if pid_alive "$KAFKA_STATE/pid" "$KAFKA_STATE/server.properties"; then
    kafka_endpoint
  else
    note "kafka: stopped"
    return 3
  fi
}
