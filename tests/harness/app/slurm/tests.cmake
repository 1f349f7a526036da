# `mnemo slurm`: scontrol parsing on captured lines, sbatch scripts run under bash with a stub,
# the submission record and status (unit); and a real single-node Slurm cluster
# (scripts/slurm-local.sh) running a sharded decontamination audit, with a cancelled shard
# resumed (integration, slurm; skips when Slurm's packages are not installed).
mn_add_test(slurm_unit_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/slurm_unit_test.cc
            LINK mnemo_slurm LABELS unit TIMEOUT 60)

mn_add_test(slurm_cluster_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/slurm_cluster_test.cc
            LINK nlohmann_json::nlohmann_json SQLite::SQLite3 LABELS integration slurm TIMEOUT 600)
add_dependencies(slurm_cluster_test mnemo)
