#!/bin/sh
# Builds and starts the example: a web application on multidb with two local redis-servers of its
# own (no Redis installation needed). Then: curl localhost:8080/ ; curl -XPOST localhost:8080/demo/primary/kill
set -e
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
mvn -B -q -pl examples/spring-boot-demo -am package -DskipTests
exec java -jar examples/spring-boot-demo/target/multidb-spring-boot-demo.jar "$@"
