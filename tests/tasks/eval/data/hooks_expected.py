# Writes hooks_expected.json (read by tests/tasks/eval/hooks_test.cc): what lm-eval's own hook
# functions give on the test rows, and the prompts lm-eval builds from them.
#  - HellaSwag: process_docs of lmeval_import/utils.py (lm_eval/tasks/hellaswag/utils.py, a
#    verbatim copy), exec'd with its `import datasets` stubbed by a Dataset whose map() keeps
#    each row's columns and adds/overwrites the returned ones (Hugging Face datasets' rule), on
#    lmeval_import/data/hellaswag/*.jsonl and hooks/hellaswag_wikihow.jsonl.
#  - WinoGrande: lmeval_import/winogrande/preprocess_winogrande.py (a verbatim copy) on
#    lmeval_import/winogrande/data/*.jsonl.
#  - Prompts: lm-eval's build_qa_turn (lm_eval/api/task.py) and Message (lm_eval/api/utils.py)
#    assembled as fewshot_context / multiple_input_context do, few-shot examples drawn by
#    random.Random(1234).sample(train, n) per evaluated document in order (lm-eval's default
#    sampler; the training split is not the test split, so nothing is excluded).
# DIR holds lm-eval's two files, saved from a clone of lm-evaluation-harness:
#   git show 4e7e0d47:lm_eval/api/utils.py > DIR/lm_utils.py
#   git show 4e7e0d47:lm_eval/api/task.py > DIR/task_src.py
#   python3 hooks_expected.py DIR
import ast, importlib.util, json, os, random, sys, types

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, sys.argv[1])
import lm_utils as U

src = open(os.path.join(sys.argv[1], 'task_src.py')).read()
fn = next(n for n in ast.walk(ast.parse(src)) if isinstance(n, ast.FunctionDef) and n.name == 'build_qa_turn')
ns = {'Message': U.Message, 'maybe_delimit': U.maybe_delimit, 'requires_delimiter': U.requires_delimiter}
exec(compile(ast.fix_missing_locations(ast.Module(body=[fn], type_ignores=[])), 'task.py', 'exec'), ns)
build_qa_turn = ns['build_qa_turn']


class Dataset(list):
    def map(self, f):
        return Dataset([{**row, **f(row)} for row in self])


sys.modules['datasets'] = types.SimpleNamespace(Dataset=Dataset)


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def rows(path):
    return [json.loads(l) for l in open(os.path.join(here, path), encoding='utf-8')]


def text(msgs):
    return ''.join(m.to_text() for m in msgs)


out = {}
hs = load_module(os.path.join(here, 'lmeval_import/utils.py'), 'utils')
out['hellaswag'] = {p: list(hs.process_docs(Dataset(rows(p)))) for p in [
    'lmeval_import/data/hellaswag/train.jsonl', 'lmeval_import/data/hellaswag/validation.jsonl',
    'hooks/hellaswag_wikihow.jsonl']}
# hellaswag.yaml: doc_to_text "{{query}}", doc_to_target "{{label}}" (a digit string, so an
# index into doc_to_choice "choices"), 2-shot from the training split.
train = out['hellaswag']['lmeval_import/data/hellaswag/train.jsonl']
rnd = random.Random(1234)
ctxs = []
for doc in out['hellaswag']['lmeval_import/data/hellaswag/validation.jsonl']:
    msgs = []
    for fs in rnd.sample(train, 2):
        msgs += build_qa_turn(None, q=fs['query'], c=fs['choices'], a=int(fs['label']), tgt_delim=' ', few_delim='\n\n')
    msgs += build_qa_turn(None, q=doc['query'], c=doc['choices'], tgt_delim=' ', few_delim='')
    ctxs.append({'context': text(msgs), 'continuations': [' ' + c for c in doc['choices']]})
out['hellaswag_2shot'] = ctxs

wg = load_module(os.path.join(here, 'lmeval_import/winogrande/preprocess_winogrande.py'), 'preprocess_winogrande')
wg_train = rows('lmeval_import/winogrande/data/train.jsonl')
wg_val = rows('lmeval_import/winogrande/data/validation.jsonl')
out['winogrande_hooks'] = [{'doc': d, 'doc_to_text': wg.doc_to_text(d), 'doc_to_target': wg.doc_to_target(d),
                            'doc_to_choice': wg.doc_to_choice(d)} for d in wg_val + wg_train]


def winogrande_requests(num_fewshot):
    rnd = random.Random(1234)
    res = []
    for doc in wg_val:
        prev = []
        if num_fewshot:
            for fs in rnd.sample(wg_train, num_fewshot):
                # fewshot_context: for multiple inputs q = c[q], c = None
                q = wg.doc_to_choice(fs)[wg.doc_to_text(fs)]
                prev += build_qa_turn(None, q=q, c=None, a=wg.doc_to_target(fs), tgt_delim=' ', few_delim='\n\n')
        contexts = [text(prev + build_qa_turn(None, q=c, gen_prefix=None, tgt_delim='')) for c in wg.doc_to_choice(doc)]
        cont = wg.doc_to_target(doc)
        res.append({'arguments': [[c, f' {cont}'] for c in contexts], 'gold': wg.doc_to_text(doc)})
    return res


out['winogrande_0shot'] = winogrande_requests(0)
out['winogrande_2shot'] = winogrande_requests(2)
json.dump(out, open(os.path.join(here, 'hooks_expected.json'), 'w'), indent=1, ensure_ascii=False)
