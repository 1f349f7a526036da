# Writes drop_xquad_expected.json (read by tests/tasks/eval/drop_xquad_test.cc): what lm-eval's
# own hook functions give on the test rows and predictions.
#  - DROP: drop/utils.py (lm_eval/tasks/drop/utils.py at 4e7e0d47, a verbatim copy) exec'd with
#    its numpy and scipy imports stubbed (neither is installed here): np.zeros / np.mean over
#    plain lists (the mean sums left to right from 0.0, as numpy's pairwise sum does below 8
#    items), round(np.float64, 2) as numpy rounds (x * 100, rint half to even, / 100), and
#    scipy.optimize.linear_sum_assignment by brute force over every assignment (exact; ties
#    broken by itertools order). `import datasets` is stubbed by a list whose map() keeps each
#    row's columns and adds/overwrites the returned ones, and whose rows go through a JSON round
#    trip as Arrow storage does (the tuples in "answers" come back as lists).
#  - XQuAD: xquad/utils.py (lm_eval/tasks/xquad/utils.py at 4e7e0d47, verbatim) exec'd with its
#    imports stubbed; transformers.data.metrics.squad_metrics is the source below of
#    normalize_answer / get_tokens / compute_exact / compute_f1, pasted from huggingface/
#    transformers src/transformers/data/metrics/squad_metrics.py (Apache-2.0; unchanged from
#    v2.x to v4.x).
# Run: python3 drop_xquad_expected.py   (no arguments; writes beside this file)
import collections, importlib.util, itertools, json, os, re, string, sys, types

here = os.path.dirname(os.path.abspath(__file__))


# ---- numpy / scipy stubs ----
class F64(float):
    def __round__(self, n=0):
        return F64(round(self * 10.0 ** n) / 10.0 ** n)


class Array:
    def __init__(self, shape):
        self.shape = tuple(shape)
        self.v = {}

    def _key(self, k):
        return k if isinstance(k, tuple) else (k,)

    def __getitem__(self, k):
        return self.v.get(self._key(k), 0.0)

    def __setitem__(self, k, x):
        self.v[self._key(k)] = float(x)

    def flat(self):
        return [self[i] for i in range(self.shape[0])]


def mean(a):
    xs = a.flat()
    s = 0.0
    for x in xs:
        s += x
    return F64(s / len(xs))


def linear_sum_assignment(cost):
    n, m = cost.shape
    best, best_pairs = None, None
    if n <= m:
        for cols in itertools.permutations(range(m), n):
            pairs = list(zip(range(n), cols))
            c = sum(cost[p] for p in pairs)
            if best is None or c < best:
                best, best_pairs = c, pairs
    else:
        for rows in itertools.permutations(range(n), m):
            pairs = sorted(zip(rows, range(m)))
            c = sum(cost[p] for p in pairs)
            if best is None or c < best:
                best, best_pairs = c, pairs
    return [p[0] for p in best_pairs], [p[1] for p in best_pairs]


class Neg:  # -scores
    def __init__(self, a):
        self.a, self.shape = a, a.shape

    def __getitem__(self, k):
        return -self.a[k]


Array.__neg__ = lambda self: Neg(self)
sys.modules['numpy'] = types.SimpleNamespace(zeros=Array, mean=mean)
sys.modules['scipy'] = types.ModuleType('scipy')
sys.modules['scipy.optimize'] = types.SimpleNamespace(linear_sum_assignment=linear_sum_assignment)


class Dataset(list):
    def map(self, f):
        return Dataset([json.loads(json.dumps({**row, **f(row)})) for row in self])


sys.modules['datasets'] = types.SimpleNamespace(Dataset=Dataset)


# ---- transformers/data/metrics/squad_metrics.py (Apache-2.0), the functions XQuAD calls ----
def normalize_answer(s):
    """Lower text and remove punctuation, articles and extra whitespace."""

    def remove_articles(text):
        regex = re.compile(r"\b(a|an|the)\b", re.UNICODE)
        return re.sub(regex, " ", text)

    def white_space_fix(text):
        return " ".join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return "".join(ch for ch in text if ch not in exclude)

    def lower(text):
        return text.lower()

    return white_space_fix(remove_articles(remove_punc(lower(s))))


def get_tokens(s):
    if not s:
        return []
    return normalize_answer(s).split()


def compute_exact(a_gold, a_pred):
    return int(normalize_answer(a_gold) == normalize_answer(a_pred))


def compute_f1(a_gold, a_pred):
    gold_toks = get_tokens(a_gold)
    pred_toks = get_tokens(a_pred)
    common = collections.Counter(gold_toks) & collections.Counter(pred_toks)
    num_same = sum(common.values())
    if len(gold_toks) == 0 or len(pred_toks) == 0:
        # If either is no-answer, then F1 is 1 if they agree, 0 otherwise
        return int(gold_toks == pred_toks)
    if num_same == 0:
        return 0
    precision = 1.0 * num_same / len(pred_toks)
    recall = 1.0 * num_same / len(gold_toks)
    f1 = (2 * precision * recall) / (precision + recall)
    return f1


squad = types.SimpleNamespace(compute_exact=compute_exact, compute_f1=compute_f1)
for name, mod in {'evaluate': types.ModuleType('evaluate'), 'transformers': types.ModuleType('transformers'),
                  'transformers.data': types.ModuleType('transformers.data'),
                  'transformers.data.metrics': types.ModuleType('transformers.data.metrics'),
                  'transformers.data.metrics.squad_metrics': squad,
                  'lm_eval': types.ModuleType('lm_eval'),
                  'lm_eval.utils': types.SimpleNamespace(general_detokenize=None)}.items():
    sys.modules[name] = mod
sys.modules['transformers'].data = sys.modules['transformers.data']
sys.modules['transformers.data'].metrics = sys.modules['transformers.data.metrics']
sys.modules['transformers.data.metrics'].squad_metrics = squad


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def rows(path):
    return [json.loads(l) for l in open(os.path.join(here, path), encoding='utf-8')]


def num(x):  # JSON keeps int vs float: 0 stays 0, 1.0 stays 1.0
    return x if isinstance(x, int) else float(x)


out = {}
drop = load_module(os.path.join(here, 'drop/utils.py'), 'drop_utils')
processed = {}
for p in ['drop/data/train.jsonl', 'drop/data/validation.jsonl']:
    processed[p] = list(drop.process_docs(Dataset(rows(p))))
out['drop_process_docs'] = processed

# DROP's doc_to_target rendered by jinja2 as lm-eval renders it (utils.apply_template:
# StrictUndefined, keep_trailing_newline) on the processed train rows, the few-shot examples:
# `answer` is a mapping, and join iterates its keys in the row's order.
import jinja2
target_src = re.search(r'^doc_to_target: "(.*)"$', open(os.path.join(here, 'drop/default.yaml')).read(), re.M).group(1)
env = jinja2.Environment(loader=jinja2.BaseLoader(), undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
out['drop_fewshot_targets'] = {'template': target_src,
                               'targets': [env.from_string(target_src).render(**doc) for doc in processed['drop/data/train.jsonl']]}

# Predictions by query id: exact, reordered, partial, number forms, wrong number, articles and
# punctuation, empty, a date in other words.
PRED = {
    'db3c7682-0ae2-4705-a2be-4e6867352dc6': ['sixth terminal', 'the sixth terminal.', 'closure of the naval shipyard'],
    '215fb32f-542e-49cd-a7a9-7e965ce8814e': ['2', 'two', '2.0'],
    'ed701ed2-63a9-4720-8e16-a085951b3788': ['3', '2 years'],
    '97ab4943-8194-4120-ad36-f81aebf08757': ['6', '1617-1611'],
    'bec74550-1151-48be-983d-03f7a815429c': ['0', 'zero', 'None'],
    'ac1c7a5e-88ef-4603-9ef0-50a972d79d93': ['6', '6 points', ' 6'],
    'da4aaae1-8194-4c0e-a93c-95b01de14e5c': ['27', '17', '27 points in the first half'],
    '22d9ef78-9022-48d2-b1a0-d425cd9bba51': ['2', '2.00', '1e0'],
    '931013f6-125c-4df7-b106-cefa6f9fcace': ['3', 'three'],
    'd122b851-0201-4aed-b4ec-f9990c1a61c5': ['1', 'one field goal', '1 field goal'],
    '8f4d6555-6a98-44e6-baa0-93a0a64bc850': ['1', '01'],
    '817d736d-3bf7-4bd1-9867-4232ef7a9294': ['Philip Rivers', 'Rivers', 'QB Philip Rivers', 'Vincent Jackson'],
    '7f253de4-739d-423f-8270-08a9ae7e4c33': ['LaDainian Tomlinson', 'Tomlinson', 'ladainian  tomlinson'],
    '46cf6b8f-2640-4a12-90f5-16fbd5efcecd': ['3', '3 points'],
    '77cec168-33a6-43aa-869c-74c934d40d18': ['38-yard', '38 yard', '38', '38 yards', 'a 38-yard field goal'],
    '0b71a5ac-d777-4cca-996c-76f9512e6096': ['8', '4-8', '8 games'],
    '42966f17-1271-417e-91e6-5db41e97a424': ['38-yard field goal', '25-yard'],
    '4460fc8a-c0ae-49a8-9ed8-5366a2796804': ['7', '7.', '$7'],
    '25150fa1-ce8b-4899-a08e-b3c0bc2311b8': ['Kansas City', 'the Kansas City Chiefs', 'Chiefs', ''],
    'f37e81fa-ef7b-4583-b671-762fc433faa9': ['Chaz Schilens', 'JaMarcus Russell', 'Russell', 'Chaz Schilens and JaMarcus Russell'],
    'ac6ba235-3024-4f63-a6ab-730a14def4cb': ['3', '2', 'two', '3 field goals'],
    'hand-multispan-1': ['Chaz Schilens', 'Chaz Schilens, Johnnie Lee Higgins', 'Johnnie Lee Higgins and Chaz Schilens', 'Higgins'],
    'hand-date-1': ['27 February 1617', 'February 27, 1617', '1617', 'February 1617', '27'],
}
cases = []
for p, docs in processed.items():
    for i, doc in enumerate(docs):
        for pred in PRED.get(doc['query_id'], []):
            r = drop.process_results(doc, [pred])
            cases.append({'file': p, 'row': i, 'pred': pred, 'em': num(r['em']), 'f1': num(r['f1'])})
out['drop_results'] = cases

# Gold answer lists written here (processed-doc form), with predictions: allennlp-models'
# allennlp-models/tests/rc/evaluations/drop_test.py get_metrics cases that have one predicted span (what
# process_results gets), number and Unicode forms, blank golds that process_results skips.
EXTRA = [
    ([['78.0']], '78'), ([['td', 'td']], 'td'), ([['the', 'fat', 'cat', 'the fat', 'fat cat', 'the fat cat']], 'cat'),
    ([['the td']], 'td'), ([['NOT ARTICLE']], 'the a NOT an ARTICLE the an a'), ([['Elton John']], 'John Elton'),
    ([['yard 50']], '50 yard'), ([['.P....e.r,,i;;;o...d,,']], 'Per.i.o.d....'), ([['    Spa c     e s']], 'Spa     c  e   s     '),
    ([['78 yard']], '78-yard'), ([['78-yard']], '78'), ([['78']], '78-yard'), ([['tHIS Was A TRIUMPH']], 'This was a triumph'),
    ([['army']], ''), ([['Green bay packers']], 'packers'), ([['Green bay']], 'packers'), ([['36 yard td']], 'yard'),
    ([['43 yards']], '23 yards'), ([['56 yd']], '56 yards'), ([['26 yard td']], '26'), ([['S.K. Singh']], 's k singh'),
    ([['12']], '  1.2e1  '), ([['12.000']], '12.0'), ([['1,000']], '1000'), ([['1000']], '1_000'), ([['3']], '\u0663'),
    ([['inf']], 'Infinity'), ([['nan']], 'NaN'), ([['1e16']], '10000000000000000'), ([['0.0001']], '1e-4'),
    ([['0.00001']], '1e-5'), ([['ΟΔΟΣ']], 'οδος'), ([['Straße']], 'STRASSE'), ([['the\tend']], 'end'),
    ([['a\u093f']], '\u093f'), ([['', 'x']], 'x'), ([['  ']], ''), ([[''], ['army']], 'army'),
    ([['1/3 cup']], '1 3 cup'), ([['-5']], '5'), ([['2', '3', '4']], '3'), ([['a b c d e f g h i']], 'a b c'),
    ([['one two three'], ['one']], 'one two'),
]
out['drop_extra'] = []
for golds, pred in EXTRA:
    r = drop.process_results({'answers': golds}, [pred])
    out['drop_extra'].append({'answers': golds, 'pred': pred, 'em': num(r['em']), 'f1': num(r['f1'])})

xq = load_module(os.path.join(here, 'xquad/utils.py'), 'xquad_utils')
# Two predictions per row, in order: en, ar, hi, zh, th (answers: Pittsburgh Steelers, 20–18,
# 17 seconds, Broncos, Manning).
XPRED = {
    'en': [['Pittsburgh Steelers', 'the Steelers.'], ['20–18', '20-18'], ['17 seconds', 'about 17 secs'],
           ['The Broncos', 'Denver'], ['Manning!', '']],
    'ar': [['بيتسبرغ ستيلرز', 'ستيلرز'], ['20–18', '١٨–٢٠'], ['17 ثانية', '17 ثانية.'], ['البرونكوس', 'برونكوس'],
           ['مانينغ', 'بيتون مانينغ']],
    'hi': [['पिट्सबर्ग स्टीलर्स', 'स्टीलर्स।'], ['20–18', '20 – 18'], ['17 सेकंड', 'सत्रह सेकंड'], ['ब्रोंकोस', 'the ब्रोंकोस'],
           ['मैनिंग', 'पेटन मैनिंग']],
    'zh': [['匹兹堡钢人队', '钢人队'], ['20–18', '20比18'], ['17 秒', '17秒'], ['野马队', '野马队。'], ['曼宁', '佩顿·曼宁']],
    'th': [['พิตต์สเบิร์ก สตีลเลอร์ส', 'สตีลเลอร์ส'], ['20–18', '20 - 18'], ['17 วินาที', '17วินาที'], ['ทีมบรอนคอส', 'บรอนคอส'],
           ['แมนนิง', 'a แมนนิง']],
}
out['xquad_results'] = []
for lang, preds in XPRED.items():
    docs = rows(f'xquad/data/xquad.{lang}.jsonl')
    for i, (doc, ps) in enumerate(zip(docs, preds)):
        for pred in ps:
            r = xq.process_results_qa(doc, [pred])
            out['xquad_results'].append({'lang': lang, 'row': i, 'pred': pred,
                                         'exact_match': num(r['exact_match']), 'f1': num(r['f1'])})
# Gold/prediction pairs beyond the rows: empty answers (1 when both have no token), case
# mappings with no ASCII equivalent, articles next to non-ASCII letters and combining marks,
# repeated tokens, non-ASCII punctuation (kept).
PAIRS = [('', ''), ('', 'x'), ('x', ''), ('!!!', ''), ('the', 'a an'), ('ΟΔΟΣ', 'οδος'), ('İstanbul', 'i̇stanbul'),
         ('Straße', 'STRASSE'), ('a\u093f', '\u093f'), ('théâtre', 'the âtre'), ('a_b', 'a b'),
         ('the the cat', 'cat cat the'), ('Tom, Tom and Tom', 'Tom'), ('«Paris»', 'Paris'), ('20,000', '20000'),
         ('東京', '東京、'), ('Ａ', 'ａ'), ('ǅ', 'ǆ'), ('Ⅻ', 'ⅻ'), ('x\u00a0y', 'x y')]
out['xquad_pairs'] = []
for gold, pred in PAIRS:
    r = xq.process_results_qa({'answers': {'text': [gold]}}, [pred])
    out['xquad_pairs'].append({'gold': gold, 'pred': pred, 'exact_match': num(r['exact_match']), 'f1': num(r['f1'])})

json.dump(out, open(os.path.join(here, 'drop_xquad_expected.json'), 'w', encoding='utf-8'), indent=1, ensure_ascii=False)
print({k: len(v) for k, v in out.items()})
