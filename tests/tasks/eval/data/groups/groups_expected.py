# Expected group aggregates for tests/tasks/eval/groups_test.cc, from lm-eval's own functions.
#
# pooled_sample_stderr and aggregate_subtask_metrics are copied verbatim from
# lm_eval/api/metrics.py at EleutherAI/lm-evaluation-harness 4e7e0d47 (MIT licence), and
# group_aggregate is lm_eval/api/group.py Group.aggregate's loop with the Group object replaced
# by its leaf list (Group.get_all_tasks) and its aggregate_metric_list. numpy is not needed:
# np.sqrt is math.sqrt here. Run: python3 groups_expected.py > groups_expected.json
import json
import math
from typing import List


class np:  # the one numpy function the copied code calls
    sqrt = staticmethod(math.sqrt)


# ---- verbatim from lm_eval/api/metrics.py ----
def pooled_sample_stderr(stderrs: List[float], sizes: List[int]):
    # Used to aggregate bootstrapped stderrs across subtasks in a group,
    # when we are weighting by the size of each subtask.
    #

    assert len(stderrs) == len(sizes)

    # formula source: https://en.wikipedia.org/wiki/Pooled_variance
    # and: https://stats.stackexchange.com/a/4841331
    # this empirically seems to match running `stderr_for_metric` on all instances
    # from the subtasks concatenated with each other.
    pooled_sample_var = (
        sum([(size - 1) * stderr**2 * size for size, stderr in zip(sizes, stderrs)])
    ) / (sum(sizes) - len(sizes))

    return np.sqrt(pooled_sample_var / sum(sizes))



def aggregate_subtask_metrics(metrics, sizes, weight_by_size=True):
    # A helper function that is used to aggregate
    # subtask scores cross-task.
    # TODO: does not hold for non-mean aggregations
    if not weight_by_size:
        sizes = [1] * len(sizes)

    assert len(metrics) == len(sizes)

    return sum([metric * size for metric, size in zip(metrics, sizes)]) / sum(sizes)

# ---- end of the verbatim copy ----


def group_aggregate(leaf_tasks, aggregate_metric_list, task_metrics):
    """Group.aggregate (lm_eval/api/group.py) over the group's leaf task names."""
    group_metrics = {}
    for agg_config in aggregate_metric_list:
        filter_list = agg_config.get("filter_list")
        if isinstance(filter_list, str):
            filter_list = [filter_list]
        if filter_list is None:  # _discover_filters_for_metric
            found = set()
            for task_name in leaf_tasks:
                for key in task_metrics.get(task_name, {}):
                    prefix = f"{agg_config['metric']},"
                    if key.startswith(prefix) and "_stderr" not in key:
                        found.add(key[len(prefix):])
            filter_list = sorted(found)
        for filter_name in filter_list:
            metric_key = f"{agg_config['metric']},{filter_name}"
            stderr_key = f"{agg_config['metric']}_stderr,{filter_name}"
            values, stderrs, sizes = [], [], []
            for task_name in leaf_tasks:
                if task_name not in task_metrics:
                    continue
                task_result = task_metrics[task_name]
                if metric_key in task_result:
                    values.append(task_result[metric_key])
                    sizes.append(task_result.get("sample_len", 0))
                    stderr_val = task_result.get(stderr_key)
                    if stderr_val is not None:
                        stderrs.append(stderr_val)
            if values:
                group_metrics[metric_key] = aggregate_subtask_metrics(
                    values, sizes, agg_config.get("weight_by_size", True)
                )
                group_metrics["n," + filter_name] = sum(sizes)
                if len(stderrs) == len(values) and "N/A" not in stderrs:
                    group_metrics[stderr_key] = pooled_sample_stderr(stderrs, sizes)
                else:
                    group_metrics[stderr_key] = "N/A"
    return group_metrics


# The nested tree of data/groups/nested: its YAMLs' leaves, as Group.get_all_tasks walks them
# (the tag my_tag is t3, t4 in sorted order; t1 is under top twice, through sub_a and by name).
NESTED_TASKS = {
    "t1": {"sample_len": 10, "acc,none": 0.5, "acc_stderr,none": 0.1},
    "t2": {"sample_len": 30, "acc,none": 0.8, "acc_stderr,none": 0.05},
    "t3": {"sample_len": 7, "acc,none": 0.25, "acc_stderr,none": 0.2,
           "acc,strict": 0.4, "acc_stderr,strict": 0.15},
    "t4": {"sample_len": 20, "acc,none": 0.6, "acc_stderr,none": 0.12,
           "acc,strict": 0.3, "acc_stderr,strict": "N/A"},
    "t5": {"sample_len": 50, "acc,none": 0.9, "acc_stderr,none": 0.03,
           "exact_match,none": 0.1, "exact_match_stderr,none": 0.02},
}
NESTED_GROUPS = {
    "sub_a": (["t1", "t2"], [{"metric": "acc", "weight_by_size": False, "filter_list": "none"}]),
    "sub_b": (["t3", "t4"], [{"metric": "acc"}]),
    "top": (["t1", "t2", "t3", "t4", "t5", "t1"], [{"metric": "acc", "weight_by_size": True}]),
}

# The MMLU tree of data/mmlu_tree (lm-eval's _mmlu*.yaml): made-up subject results.
MMLU_TASKS = {
    "mmlu_abstract_algebra": (100, 0.31, 0.0464823),
    "mmlu_anatomy": (135, 0.52, 0.0431),
    "mmlu_business_ethics": (100, 0.61, 0.049),
    "mmlu_clinical_knowledge": (265, 0.58, 0.0303),
    "mmlu_econometrics": (114, 0.37, 0.0454),
    "mmlu_high_school_geography": (198, 0.71, 0.0322),
    "mmlu_formal_logic": (126, 0.40, 0.0438),
    "mmlu_high_school_european_history": (165, 0.66, 0.037),
}
MMLU_LEAVES = {
    "mmlu_stem": ["mmlu_abstract_algebra", "mmlu_anatomy"],
    "mmlu_other": ["mmlu_business_ethics", "mmlu_clinical_knowledge"],
    "mmlu_social_sciences": ["mmlu_econometrics", "mmlu_high_school_geography"],
    "mmlu_humanities": ["mmlu_formal_logic", "mmlu_high_school_european_history"],
}
MMLU_LEAVES["mmlu"] = (MMLU_LEAVES["mmlu_stem"] + MMLU_LEAVES["mmlu_other"]
                       + MMLU_LEAVES["mmlu_social_sciences"] + MMLU_LEAVES["mmlu_humanities"])
mmlu_metrics = {t: {"sample_len": n, "acc,none": a, "acc_stderr,none": s}
                for t, (n, a, s) in MMLU_TASKS.items()}

out = {
    "nested_tasks": NESTED_TASKS,
    "nested": {g: group_aggregate(leaves, aggs, NESTED_TASKS)
               for g, (leaves, aggs) in NESTED_GROUPS.items()},
    "mmlu_tasks": mmlu_metrics,
    "mmlu": {g: group_aggregate(leaves, [{"metric": "acc", "weight_by_size": True}], mmlu_metrics)
             for g, leaves in MMLU_LEAVES.items()},
}
print(json.dumps(out, indent=1))
