#!/bin/sh
# RedisTemplate throughput, multidb's MultiDbConnectionFactory against Spring's LettuceConnectionFactory,
# side by side in one run on local redis-servers. Arguments: [seconds per round] [rounds] (default 3 5).
set -e
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
mvn -B -q -pl examples/spring-boot-demo -am package -DskipTests
exec java -cp examples/spring-boot-demo/target/multidb-spring-boot-demo.jar \
  -Dloader.main=dev.multidb.examples.boot.TemplateThroughput \
  org.springframework.boot.loader.launch.PropertiesLauncher "$@"
