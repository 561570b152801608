#!/usr/bin/env bash
# Mutation testing with cargo-mutants (crates.io: `cargo install --locked cargo-mutants`): one small
# bug at a time is planted in the code (a `>` made `>=`, a function returning a default, a match arm
# deleted) and the crate's tests run against it. A mutant no test notices ("missed") calls for a test,
# or for a one-line reason in .cargo/mutants.toml why it cannot matter. Too slow for CI: run it on what
# a change touches (--diff) before resolving an issue that changes logic. Settings, and the mutants
# excluded with their reasons: .cargo/mutants.toml. Scores: README.md, "Mutation testing".
#
# usage: scripts/mutants.sh [--diff REF] [--list] [CRATE...] [-- CARGO_MUTANTS_ARGS...]
#   CRATE     compose-model, template-builder or deploy (deploy: its decision logic, DEPLOY_FILES
#             below); none: the three, one after the other.
#   --diff REF  only the mutants in lines that differ from REF (`git diff REF`: commits since REF and
#             uncommitted changes), in any file of the crates; e.g. --diff main.
#   --list    list the mutants that would run, and stop.
#   after --  passed to cargo mutants, e.g. `-- --file crates/compose-model/src/loader/merge.rs`.
# Results: mutants.out/<crate>/mutants.out/ (missed.txt, caught.txt, timeout.txt, unviable.txt,
# outcomes.json, a log per mutant); mutants.out is ignored by git.
#
# The machine is shared: every run is `nice -n 19` with one mutant at a time (-j 1). Each mutant is
# built in a copy of the tree that starts from a copy of target/ (copy_target), so only our own
# crates are recompiled, never the AWS SDK; build the tests once first (`cargo test --no-run`) with
# the same environment (e.g. CARGO_PROFILE_DEV_DEBUG) or the copy compiles everything again.
set -euo pipefail
cd "$(dirname "$0")/.."

# deploy's decision logic: stack phases and the deploy target (stack.rs), the values of the template
# parameters (lifecycle/parameters.rs), and what an interrupted or dry run removes (lifecycle/cleanup.rs).
DEPLOY_FILES=(crates/deploy/src/stack.rs crates/deploy/src/lifecycle/parameters.rs
    crates/deploy/src/lifecycle/cleanup.rs)

diff_ref=""
list=false
crates=()
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --diff) diff_ref="${2:?--diff needs a git revision, e.g. main}"; shift 2 ;;
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
    args=(-j 1 --output "mutants.out/$crate")
    case "$crate" in
        deploy)
            args+=(-p ecs-deploy)
            # A change is checked wherever it is; a full run covers the decision logic only.
            if [ -z "$diff_ref" ]; then
                for f in "${DEPLOY_FILES[@]}"; do args+=(--file "$f"); done
            fi
            ;;
        *) args+=(-p "$crate") ;;
    esac
    $list && args+=(--list)
    echo "== cargo mutants ${args[*]} ${diff_args[*]} ${extra[*]}"
    nice -n 19 cargo mutants "${args[@]}" "${diff_args[@]}" "${extra[@]}" || status=$?
done
exit $status
