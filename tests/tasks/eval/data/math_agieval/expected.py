# Writes expected.json (read by tests/tasks/eval/math_agieval_test.cc): what lm-eval's own hook
# functions give. The three utils.py beside this script are verbatim copies of lm-eval's
# lm_eval/tasks/{hendrycks_math,minerva_math,agieval}/utils.py at commit 4e7e0d47 (MIT), run by
# Debian's python3 (3.11) with these stand-ins for modules it lacks:
#  - `datasets`: a Dataset whose map() keeps each row's columns and adds/overwrites the returned
#    ones (Hugging Face datasets' rule);
#  - `numpy` (agieval): array() and argmax() only; argmax is the first maximum, as numpy's;
#  - minerva_math imports antlr4, math_verify and checks antlr4's version at import: empty
#    stand-ins, so the module loads. Its is_equiv (sympy parse_latex, needs antlr4) and math_verify
#    are NOT run: minerva expectations cover its string functions (normalize_final_answer,
#    get_unnormalized_answer, last_boxed_only_string, remove_boxed, process_docs, doc_to_text,
#    list_fewshot_samples); "exact_match_strings" is mnemo's replacement (normalised strings equal),
#    computed here from those Python functions.
# Usage: python3 expected.py   (writes expected.json beside it)
import importlib.metadata, importlib.util, json, os, random, sys, types

here = os.path.dirname(os.path.abspath(__file__))


class Dataset(list):
    def map(self, f):
        return Dataset([{**row, **f(row)} for row in self])


class _Arr(list):
    def __rtruediv__(self, other):
        return _Arr([a / b for a, b in zip(other, self)])


sys.modules['datasets'] = types.SimpleNamespace(Dataset=Dataset)
sys.modules['numpy'] = types.SimpleNamespace(
    array=lambda x: _Arr(x), argmax=lambda x: max(range(len(x)), key=lambda i: (x[i], -i)))
sys.modules['antlr4'] = types.ModuleType('antlr4')
mv = types.ModuleType('math_verify')
mv.parse = mv.verify = None
sys.modules['math_verify'] = mv
_version = importlib.metadata.version
importlib.metadata.version = lambda name: '4.11.0' if name == 'antlr4-python3-runtime' else _version(name)


def load(folder):
    spec = importlib.util.spec_from_file_location(folder + '_utils', os.path.join(here, folder, 'utils.py'))
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


H, M, A = load('hendrycks_math'), load('minerva_math'), load('agieval')


def rows(name):
    return [json.loads(l) for l in open(os.path.join(here, name), encoding='utf-8')]


math_rows = rows('math_rows.jsonl')
out = {}

# ---- hendrycks_math ----
docs = list(H.process_docs(Dataset(math_rows)))
out['hendrycks_docs'] = docs


def responses(gold):
    """Plausible model outputs for a gold answer (hand-written forms)."""
    r = ['$%s$' % gold, gold, 'The answer is $%s$.' % gold, '$\\boxed{%s}$' % gold,
         '$%s$' % gold.replace('\\frac', '\\dfrac'), '$%s \\text{ cm}$' % gold,
         '$x = %s$' % gold, '$42$', 'I do not know.', '$%s$ or $7$' % gold,
         'Final Answer: The final answer is $%s$. I hope it is correct.' % gold,
         'So $y=%s$.\nFinal Answer: The final answer is $%s$. I hope it is correct.' % (gold, gold),
         'Final Answer: The final answer is %s. I hope it is correct.' % gold.replace(' ', '')]
    return r


cases = []
for i, d in enumerate(docs):
    for resp in responses(d['answer']):
        cases.append({'row': i, 'response': resp,
                      'exact_match': H.process_results(d, [resp])['exact_match']})
# Edge pairs (response, gold) through a solution "\boxed{gold}".
pairs = [('0.5', '\\frac{1}{2}'), ('1/2', '\\frac12'), ('.5', '0.5'), ('x = 5', '5'), ('k=5', '5'),
         ('\\sqrt3', '\\sqrt{3}'), ('\\frac', '\\frac'), ('\\frac', 'x'), ('a\\sqrt', 'a\\sqrt'),
         ('5\\text{ cm}\\text{ m}', '5\\text{ cm}\\text{ m}'), ('5\\text{ cm}\\text{ m}', '5'),
         ('01/2', '01/2'), ('01/2', '\\frac{1}{2}'), ('a/b', 'a/b'), ('a/b', '\\frac{a}{b}'),
         ('1_0/2', '1_0/2'), ('1_0/2', '\\frac{10}{2}'), ('-0/1', '\\frac{0}{1}'), ('-3/4', '\\frac{-3}{4}'),
         ('\u0661/\u0662', '\u0661/\u0662'), ('\u0661/\u0662', '\\frac{1}{2}'), ('3/4/5', '3/4/5'),
         ('\\dfrac{3}{4}', '\\frac34'), ('\\left( 1,2 \\right)', '(1,2)'), ('90^\\circ', '90'),
         ('50\\%', '50'), ('\\$5', '5'), ('\\fracéa', '\\frac{é}{a}'), ('\\sqrté', '\\sqrt{é}'),
         ('{.5}', '{0.5}'), ('é=3', '3'), ('éé=3', '3'), ('ééé=3', '3'), ('1/ 2', '\\frac{1}{2}'),
         ('+1/2', '\\frac{1}{2}'), ('\\frac1', '\\frac1'), ('\\frac1', '\\frac{1}'),
         ('\\frac{1}{2}\\frac', '\\frac{1}{2}\\frac'), ('1\t/2', '\\frac{1}{2}'), (' 1/2', '\\frac{1}{2}'),
         ('\\tfrac{1}{2}', '0.5'), ('2\\\\3', '2\\3'), ('a\nb', 'ab'), ('\\!1', '1'), ('1 .5', '1 0.5'),
         ('x=1=2', '1=2'), ('12/', '12/'), ('/', '/'), ('', ''), ('ab=5', '5'), ('abc=5', '5'),
         ('a / b', 'a/b'), ('1 / 2', '\\frac{1}{2}'), ('0 1/2', '01/2')]
for resp, gold in pairs:
    doc = {'solution': '\\boxed{%s}' % gold}
    cases.append({'solution': doc['solution'], 'response': resp,
                  'exact_match': H.process_results(doc, [resp])['exact_match']})
for sol in ['a \\boxed 5$ b', '\\boxed 1 and \\boxed 22$x', 'x \\boxed{\\frac{1}{2}} y',
            '\\boxed{a}{b}', '\\boxed{{x}}}']:
    cases.append({'solution': sol, 'response': '$5$',
                  'exact_match': H.process_results({'solution': sol}, ['$5$'])['exact_match']})
out['hendrycks_results'] = cases
out['hendrycks_raises'] = []
for sol in ['no box', '\\fbox{3}', 'x \\boxed{5', '\\fbox{3} \\boxed{4']:
    try:
        H.process_results({'solution': sol}, ['1'])
        raise SystemExit('expected an exception for ' + sol)
    except (AssertionError, TypeError):
        out['hendrycks_raises'].append(sol)

# ---- minerva_math ----
out['minerva_docs'] = list(M.process_docs(Dataset(math_rows)))
out['minerva_doc_to_text'] = [M.doc_to_text(d) for d in math_rows[:3]]
out['minerva_fewshot_samples'] = M.list_fewshot_samples()
norm_inputs = [d['answer'] for d in docs] + [
    'x = 5', '10 \\text{ cm}', '\\$1,000', '100,000', '1,2,3', '$\\frac12$', '\\fracabc', '\\sqrt2x',
    'frac{1}{2}', '\\boxed{\\frac{1}{2}}', '\\textbf{(A)}', '\\text{(C)} and \\text{b}', '\\overline{AB}',
    'a\nb $x$ c$y$', '$a$ $b$\n$c$ $d$', '5 ways', 'an apple', 'a banana', '\\frac\n2', '\\frac2\n',
    '\\sqrt{2}', '\\sqrté', '\\fracé1', '\u0661\u0662,\u0663', '\u00b2', '12,345.6', '\\text{\n}x',
    '\\text{a\nb}', '\\boxed{a}\n\\boxed{b}}', '\\boxed{x', '[invalidanswer]', '', '3\\text{ m}',
    'mboxhello', '\\text{m}', '\\text{\\text{a}}', '\\text{a}\\text{b}', '\\textbf{\\text{x}}',
    '50^\\circ', '\\$5.50', '1,\\!000', '{,}', '2\\;3', '"q"', '1, \\text{and} 2', 'fracfrac12',
    'sqrtsqrt2', '\\text{ feet}', '$5.$', 'x=$3$', '\\boxed{}', '\\overline{a}}', 'a=b=c',
    '\\mbox{ inches}', '$$', '$1$2$3$', '10 \\ldots 20']
out['minerva_normalize'] = [[s, M.normalize_final_answer(s)] for s in norm_inputs]
unnorm_inputs = ['Final Answer: The final answer is $5$. I hope it is correct.',
                 'blah\nFinal Answer: The final answer is 7', 'Final Answer: The final answer is$3$.',
                 'The answer is 5.', 'Final Answer: The final answer is  $x$ . I hope it is correct.',
                 'Final Answer: The final answer is $1$. I hope it is correct. Final Answer: The final answer is $2$. I hope it is correct.',
                 'Final Answer: The final answer is $a\nb$. I hope it is correct.',
                 'Final Answer: The final answer is\u3000é\u3000. I hope it is correct.',
                 'Final Answer: The final answer isX', 'Final Answer: The final answer is']
out['minerva_unnormalized'] = [[s, M.get_unnormalized_answer(s)] for s in unnorm_inputs]
mcases = []
for d in out['minerva_docs']:
    for resp in responses(d['answer']) + responses(d['solution'][-40:]):
        ans = M.normalize_final_answer(M.get_unnormalized_answer(resp))
        mcases.append({'doc': d['answer'], 'response': resp, 'exact_match_strings': int(ans == d['answer'])})
out['minerva_results'] = mcases
out['minerva_last_boxed'] = []
for s in ['a \\boxed 5$ b', '\\boxed{1} and \\boxed{2}', '\\fbox{3}', 'none', '\\boxed{x', '}\\boxed{a}}']:
    lb = M.last_boxed_only_string(s)
    try:
        rb = M.remove_boxed(lb)
    except (AssertionError, TypeError):
        rb = None
    out['minerva_last_boxed'].append([s, lb, rb])

# ---- agieval ----
parse_inputs = ['\\boxed{5}', 'so \\boxed{x = 5}', '\\boxed{a=  b}', '\\boxed 5', '\\boxed{5',
                'The answer is $\\frac{1}{2}$.', '$x = 3$ and $y = 4$', 'line $1$\nline $2$ and $3$',
                '$$', 'x = 4.', 'x = 4\\n5', 'y =  7..', 'answer 12 or 13.5', '$12', 'abc', '',
                '12abc 7', '3.5.', '\u0663\u0664', '1 = 2 = 3', '\\fbox{3}', '\\boxed{}', '$ $',
                '\\boxed{1}\\boxed{2}', 'A: The answer is 3.14159', '答案是 $5$', '数字 ١٢', '7_', '$5$;$10$',
                '1;$\\frac{8}{9}$', '(3,4]', '\\boxed{\\left(3,4\\right]}']
out['agieval_parse'] = [[s, A.parse_math_answer(s)] for s in parse_inputs]
equiv_pairs = [('The answer is $\\frac12$', '\\frac{1}{2}'), ('\\boxed{0.5}', '1/2'), ('abc', 'xyz'),
               ('abc', 'abc'), ('x = \\sqrt', '\\sqrt'), ('x = \\sqrt', 'y'), ('$a/b$', 'a/b'),
               ('$1_0/2$', '1_0/2'), ('$01/2$', '01/2'), ('$5\\text{ a}\\text{ b}$', '5\\text{ a}\\text{ b}'),
               ('', ''), ('12', '12.0'), ('The answer is 90^\\circ', '90'), ('$\\$5$', '5'),
               ('\\boxed{\\dfrac{3}{4}}', '\\frac34'), ('\\boxed{a / b}', '\\boxed{a/b}'),
               ('$1 / 2$', '$\\frac{1}{2}$')]
out['agieval_equiv'] = [[a, b, A.is_equiv(a, b)] for a, b in equiv_pairs]
cloze = rows('agieval_cloze.jsonl')
ccases = []
for i, d in enumerate(cloze):
    g = d['answer']
    for resp in [g, 'The answer is $%s$.' % g, '\\boxed{%s}' % g, 'x = %s.' % g, '42', 'no idea',
                 '3.14 apples', '$%s' % g, ' %s ' % g]:
        ccases.append({'row': i, 'response': resp, 'acc': A.process_results(d, [resp])['acc']})
ccases.append({'doc': {'query': 'q', 'answer': None}, 'response': '5',
               'acc': A.process_results({'query': 'q', 'answer': None}, ['5'])['acc']})
out['agieval_cloze'] = ccases
rng = random.Random(7)
mcases = []
for i, d in enumerate(rows('agieval_mc.jsonl')):
    n = len(d['choices'])
    vecs = [[rng.uniform(-60, -1) for _ in range(n)] for _ in range(4)]
    vecs.append([-5.0] * n)  # all tied: the first
    g = d['gold'][0]
    vecs.append([-1.0 if i == g else -3.0 for i in range(n)])
    for lls in vecs:
        res = A.process_results_mcqa(d, [(ll, False) for ll in lls])
        mcases.append({'row': i, 'gold': d['gold'], 'lls': lls, 'acc': res['acc'], 'acc_norm': res['acc_norm']})
out['agieval_mc'] = mcases
json.dump(out, open(os.path.join(here, 'expected.json'), 'w', encoding='utf-8'), ensure_ascii=False, indent=0,
          separators=(",", ":"))
print({k: len(v) for k, v in out.items()})
