# Writes expected.json (read by tests/tasks/eval/gpqa_mmlupro_test.cc): what lm-eval's own hook
# functions give on the rows beside this script. The modules are verbatim copies of lm-eval's
# (commit 4e7e0d47) under lmeval/, loaded as lm-eval's task loader does (a fresh module per
# file); `datasets` is stubbed by a list whose map() keeps each row's columns and adds/overwrites
# the returned ones and whose filter() keeps the rows the predicate accepts, in order (Hugging
# Face datasets' rules).
#  - GPQA: process_docs of lmeval/gpqa/{n_shot,zeroshot,cot_zeroshot,generative}/utils.py on
#    data_root/Idavidrein/gpqa/gpqa_diamond/train.jsonl. zeroshot and the CoT/generative folders
#    draw from the module-level `random`, which lm-eval's simple_evaluate seeds with
#    random.seed(random_seed=0) before tasks load: this script does the same before each call.
#    n_shot draws from its own random.Random(42), created when the module loads.
#  - MMLU-Pro: lmeval/mmlu_pro/utils.py: every process_<subject> on
#    data_root/TIGER-Lab/MMLU-Pro/data/{test,validation}.jsonl (the question_ids kept),
#    doc_to_text, fewshot_to_text, fewshot_to_target.
#  - Global-MMLU: lmeval/global_mmlu/{default,full}/en/utils.py: every process_* function the
#    module defines, on data_root/CohereLabs/Global-MMLU-Lite/en/test.jsonl (sample_ids kept).
# Run with Debian's python3 (3.11): /usr/bin/python3 expected.py
import importlib.util, json, os, random, sys, types

here = os.path.dirname(os.path.abspath(__file__))


class Dataset(list):
    def map(self, f):
        return Dataset([{**row, **f(row)} for row in self])

    def filter(self, f):
        return Dataset([row for row in self if f(row)])


sys.modules['datasets'] = types.SimpleNamespace(Dataset=Dataset)


def load_module(path):
    spec = importlib.util.spec_from_file_location('utils', os.path.join(here, path))
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def rows(path):
    return Dataset(json.loads(l) for l in open(os.path.join(here, path), encoding='utf-8'))


out = {'gpqa': {}, 'mmlu_pro': {}, 'global_mmlu': {}}
gpqa = rows('data_root/Idavidrein/gpqa/gpqa_diamond/train.jsonl')
for folder in ['n_shot', 'zeroshot', 'cot_zeroshot', 'generative']:
    random.seed(0)
    m = load_module(f'lmeval/gpqa/{folder}/utils.py')
    out['gpqa'][folder] = list(m.process_docs(gpqa))

mp = load_module('lmeval/mmlu_pro/utils.py')
for split in ['test', 'validation']:
    docs = rows(f'data_root/TIGER-Lab/MMLU-Pro/data/{split}.jsonl')
    out['mmlu_pro'][split] = {
        'process_docs': {name: [d['question_id'] for d in getattr(mp, name)(docs)]
                         for name in dir(mp) if name.startswith('process_') and name != 'process_docs'},
        'doc_to_text': [mp.doc_to_text(d) for d in docs],
        'fewshot_to_text': [mp.fewshot_to_text(d) for d in docs],
        'fewshot_to_target': [mp.fewshot_to_target(d) for d in docs],
    }

gm = rows('data_root/CohereLabs/Global-MMLU-Lite/en/test.jsonl')
for variant in ['default', 'full']:
    m = load_module(f'lmeval/global_mmlu/{variant}/en/utils.py')
    out['global_mmlu'][variant] = {name: [d['sample_id'] for d in getattr(m, name)(gm)]
                                   for name in m.process_functions}

with open(os.path.join(here, 'expected.json'), 'w', encoding='utf-8') as f:
    json.dump(out, f, ensure_ascii=False, indent=1, sort_keys=True)
    f.write('\n')
