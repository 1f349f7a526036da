# Unit tests of `mnemo slurm` (label unit): scontrol parsing on captured lines, the sbatch
# scripts run under bash with a recording stand-in for mnemo, the submission record and status,
# the resource estimate. Integration tests on a real single-node Slurm cluster
# (scripts/slurm-local.sh; labels integration and slurm; skipped without Slurm's packages): a
# sharded decontamination audit and a run config of every job kind, each merged and compared
# with one process, with a failed and a cancelled shard resumed.
mn_add_test(slurm_unit_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/slurm_unit_test.cc
            LINK mnemo_slurm LABELS unit TIMEOUT 60)

mn_add_test(slurm_cluster_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/slurm_cluster_test.cc
            LINK nlohmann_json::nlohmann_json SQLite::SQLite3 LABELS integration slurm TIMEOUT 600)
add_dependencies(slurm_cluster_test mnemo)
