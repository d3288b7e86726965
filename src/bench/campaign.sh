#!/usr/bin/env bash
# A long fault campaign: FaultCampaignIT once per seed, each for SECONDS of faults.
#   SEEDS="1 2 3" SECONDS_PER_RUN=600 bash src/bench/campaign.sh
# Needs root and iproute2 (network namespaces), like the CI run. Each seed's history and timeline
# are in target/campaign/seed-N/; the summary line of each run and the failures are printed.
set -uo pipefail
cd "$(dirname "$0")/../.."
SEEDS=${SEEDS:-"1 2 3 4 5 6 7 8 9 10"}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-600}
mvn -q -B -DskipTests package >/dev/null || exit 1
failed=0
for seed in $SEEDS; do
  log="target/campaign/run-$seed.log"
  mkdir -p target/campaign
  KV_CAMPAIGN_SEED=$seed KV_CAMPAIGN_SECONDS=$SECONDS_PER_RUN mvn -B -o failsafe:integration-test failsafe:verify \
    -Dit.test=FaultCampaignIT -Dfailsafe.failIfNoSpecifiedTests=false >"$log" 2>&1
  rc=$?
  grep -h "\[campaign\] seed" target/failsafe-reports/kvstore.e2e.FaultCampaignIT-output.txt 2>/dev/null || true
  if [ $rc -ne 0 ]; then
    failed=$((failed + 1))
    echo "seed $seed FAILED: see $log and target/campaign/seed-$seed/timeline.html"
  fi
done
echo "campaign: $(echo $SEEDS | wc -w) seeds x ${SECONDS_PER_RUN} s, $failed failed"
exit $failed
