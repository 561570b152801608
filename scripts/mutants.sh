#!/usr/bin/env bash
# Mutation testing with cargo-mutants (crates.io: `cargo install --locked cargo-mutants`): one small
# bug at a time is planted in the code (a `>` made `>=`, a function returning a default, a match arm
# deleted) and the crate's tests run against it. A mutant no test notices ("missed") calls for a test,
# or for a one-line reason in .cargo/mutants.toml why it cannot matter. Too slow for CI: run it on what
# a change touches (--diff) before resolving an issue that changes logic. Settings, and the mutants
# excluded with their reasons: .cargo/mutants.toml. Scores: README.md, "Mutation testing".
#
# usage: scripts/mutants.sh [--diff REF | --whole] [--jobs N] [--list] [CRATE...] [-- CARGO_MUTANTS_ARGS...]
#   CRATE     compose-model, template-builder or deploy; none: the three, one after the other. Each
#             runs on its decision logic (the files and functions chosen below, whose scores the
#             README records) unless --whole or --diff says otherwise.
#   --diff REF  only the mutants in lines that differ from REF (`git diff REF`: commits since REF and
#             uncommitted changes), in any file of the crates; e.g. --diff main.
#   --whole   every file of the crates (about 1,100 mutants each: hours).
#   --jobs N  N mutants at once for compose-model and template-builder (default 1; deploy runs in
#             place, one at a time). One mutant at a time leaves the 2-core machine half idle (a
#             mutant's build is mostly serial and its tests take seconds): whole crates ran with 3.
#   --list    list the mutants that would run, and stop.
#   after --  passed to cargo mutants, e.g. `-- --file crates/compose-model/src/loader/merge.rs`.
# Results: mutants.out/<crate>/mutants.out/ (missed.txt, caught.txt, timeout.txt, unviable.txt,
# outcomes.json, a log per mutant); mutants.out is ignored by git.
#
# The machine is shared: every run is `nice -n 19`, one mutant at a time unless --jobs. compose-model and
# template-builder mutants build in a copy of the tree without target/ (each job's copy first builds
# their few dependencies, about a minute; .cargo/mutants.toml says why). For deploy that would be the
# whole AWS SDK, so deploy mutants build in place, in this tree and its target/: leave deploy's
# sources alone while it runs, and stop it with one Ctrl-C (it puts the mutated file back). For
# deploy, build the tests first (`cargo test -p ecs-deploy --no-run`) with the environment you run
# this with (e.g. CARGO_PROFILE_DEV_DEBUG), or the first mutant builds it all.
set -euo pipefail
cd "$(dirname "$0")/.."
# deploy's baseline reads AWS's resource schemas from the test venv (`make venv`).
export ECS_TEST_VENV="${ECS_TEST_VENV:-$PWD/.venv}"

# The decision logic each crate is measured on (README.md, "Mutation testing"): files, and within
# them the functions that decide (a regex on mutant names, as `cargo mutants --list` prints them).
# compose-model: merging files and extends, ports, profiles, validation, interpolation.
COMPOSE_MODEL=(--file crates/compose-model/src/loader/merge.rs
    --file crates/compose-model/src/loader/normalize/ports.rs
    --file crates/compose-model/src/loader/extends.rs
    --file crates/compose-model/src/loader/profiles.rs
    --file crates/compose-model/src/loader/validate.rs
    --file crates/compose-model/src/loader/interpolate.rs)
# template-builder: CloudFormation's limits, the Fargate size, the load balancer's plan (its ports,
# listeners and type), which services are one-off jobs and the order they run in.
TEMPLATE_BUILDER=(--file crates/template-builder/src/limits.rs
    --file crates/template-builder/src/fargate.rs
    --file crates/template-builder/src/loadbalancer.rs
    --file crates/template-builder/src/jobs.rs
    -F 'limits\.rs|fargate\.rs|jobs\.rs|loadbalancer\.rs:.*( in plan$|replace plan )')
# deploy: stack phases and the deploy target (stack.rs), the network parameters (subnets per zone,
# public or private), what an interrupted or dry run removes (lifecycle/cleanup.rs) and what the
# update before a deployment's jobs holds back (lifecycle/hold_back.rs).
DEPLOY=(--file crates/deploy/src/stack.rs
    --file crates/deploy/src/lifecycle/parameters.rs
    --file crates/deploy/src/lifecycle/cleanup.rs
    --file crates/deploy/src/lifecycle/hold_back.rs
    -F 'cleanup\.rs|hold_back\.rs|stack\.rs:.*(in |replace )(StackInfo::phase|Phase::of|is_stuck|stuck_error|deploy_target|check_name|is_missing_stack)( |$)|parameters\.rs:.*(in |replace )(split_subnets|one_per_zone|Network::assign_public_ip|Network::load_balancer_scheme)( |$)')

diff_ref=""
whole=false
jobs=1
list=false
crates=()
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --diff) diff_ref="${2:?--diff needs a git revision, e.g. main}"; shift 2 ;;
        --whole) whole=true; shift ;;
        --jobs) jobs="${2:?--jobs needs a number}"; shift 2 ;;
        --list) list=true; shift ;;
        --) shift; extra=("$@"); break ;;
        compose-model | template-builder | deploy) crates+=("$1"); shift ;;
        *) echo "unknown argument $1 (crates: compose-model, template-builder, deploy)" >&2; exit 64 ;;
    esac
done
[ ${#crates[@]} -gt 0 ] || crates=(compose-model template-builder deploy)

if ! cargo mutants --version >/dev/null 2>&1; then
    echo "cargo-mutants is not installed: cargo install --locked cargo-mutants" >&2
    exit 69
fi

mkdir -p mutants.out
diff_args=()
if [ -n "$diff_ref" ]; then
    git diff "$diff_ref" -- 'crates/*.rs' >mutants.out/changes.diff
    if [ ! -s mutants.out/changes.diff ]; then
        echo "no Rust change since $diff_ref: nothing to mutate"
        exit 0
    fi
    diff_args=(--in-diff mutants.out/changes.diff)
fi

status=0
for crate in "${crates[@]}"; do
    args=(--output "mutants.out/$crate")
    case "$crate" in
        compose-model) args+=(-j "$jobs" -p compose-model); scope=("${COMPOSE_MODEL[@]}") ;;
        template-builder) args+=(-j "$jobs" -p template-builder); scope=("${TEMPLATE_BUILDER[@]}") ;;
        # In place means one mutant at a time, with no baseline-relative timeout: its tests take 5 s.
        deploy) args+=(--in-place --timeout 120 -p ecs-deploy); scope=("${DEPLOY[@]}") ;;
    esac
    # A change is checked wherever it is in the crate.
    if [ -z "$diff_ref" ] && ! $whole; then args+=("${scope[@]}"); fi
    $list && args+=(--list)
    echo "== cargo mutants ${args[*]} ${diff_args[*]} ${extra[*]}"
    nice -n 19 cargo mutants "${args[@]}" "${diff_args[@]}" "${extra[@]}" || status=$?
done
exit $status
