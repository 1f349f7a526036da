# Writes expected.json (read by tests/tasks/eval/bbh_filters_test.cc): what lm-eval's own filter
# classes give on real BBH rows (rows.json) for the responses written below.
#  - bbh utils.py: ./utils.py, a verbatim copy of lm_eval/tasks/bbh/zeroshot/utils.py at 4e7e0d47.
#  - multi_choice_regex: lm_eval/filters/extraction.py at 4e7e0d47, loaded from LMEVAL (the
#    lm_eval package folder of a checkout at that commit); utils.py imports its RegexFilter and
#    Filter from it. lm_eval.api.filter is lm-eval's own file; lm_eval.api.instance and
#    lm_eval.api.registry (only Instance and the register_filter decorator are used) are stubbed.
#  - word2number: utils.py's `from word2number import w2n` gets W2N, the file word2number/w2n.py
#    of github.com/akshaynagpal/w2n (MIT; commit 33aac8a, the source of word2number 1.1), e.g.
#    git -C <clone> show HEAD:word2number/w2n.py > /tmp/w2n.py
#  - `regex` is the installed module (Debian's python3-regex).
# Usage: python3 expected.py LMEVAL W2N   (LMEVAL = .../lm_eval, W2N = .../w2n.py)
import importlib.util, json, os, sys, types, unicodedata

here = os.path.dirname(os.path.abspath(__file__))
lmeval, w2n_path = sys.argv[1], sys.argv[2]


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    m = importlib.util.module_from_spec(spec)
    sys.modules[name] = m
    spec.loader.exec_module(m)
    return m


for pkg in ['lm_eval', 'lm_eval.api', 'lm_eval.filters', 'word2number']:
    sys.modules[pkg] = types.ModuleType(pkg)
sys.modules['lm_eval.api.instance'] = types.SimpleNamespace(Instance=object)
sys.modules['lm_eval.api.registry'] = types.SimpleNamespace(register_filter=lambda name: (lambda cls: cls))
load(os.path.join(lmeval, 'api/filter.py'), 'lm_eval.api.filter')
extraction = load(os.path.join(lmeval, 'filters/extraction.py'), 'lm_eval.filters.extraction')
sys.modules['word2number'].w2n = load(w2n_path, 'word2number.w2n')
utils = load(os.path.join(here, 'utils.py'), 'bbh_utils')

rows = json.load(open(os.path.join(here, 'rows.json'), encoding='utf-8'))
classes = {'MultiChoiceRegexFilter': utils.MultiChoiceRegexFilter,
           'NumberParseRegexFilter': utils.NumberParseRegexFilter,
           'MapRegexFilter': utils.MapRegexFilter, 'WordSortFilter': utils.WordSortFilter,
           'multi_choice_regex': extraction.MultiChoiceRegexFilter}
cases, docs = [], []


def run(cls, args, doc, responses):
    """One document, each response on its own (so that a raising response is one case)."""
    if doc not in docs:
        docs.append(doc)
    for r in responses:
        case = {'class': cls, 'args': args, 'doc': docs.index(doc), 'response': r}
        try:
            case['output'] = classes[cls](**args).apply([[r]], [doc])[0][0]
        except Exception as e:  # lm-eval stops the run here
            case['error'] = type(e).__name__
        cases.append(case)


# ---- MultiChoiceRegexFilter (bbh) and multi_choice_regex (extraction: doc["choices"]) ----
yaml_mc = {'group_select': 0, 'ignore_case': True, 'ignore_punctuation': True,
           'regex_pattern': '(\\([A-Z]\\))'}         # bbh zeroshot/*.yaml
cot_mc = dict(yaml_mc, group_select=-1)              # bbh cot_zeroshot/*.yaml, gpqa cot
plain_mc = {'regexes_to_ignore': [',', '\\.$', 'the '], 'fallback': 'none'}  # defaults otherwise
generic = ['(B)', 'The answer is (C).', '(A) or maybe (D)', 'Answer: C', 'answer:B',
           'Option:\tD because', 'a: b', 'I am not sure.', '', '(b)', 'B', '(Z)']
specific = {
    ('date_understanding', 0): ['12/25/1937', 'The date tomorrow is 12/25/1937.',
                                '12/04/1937 or 12/25/1937', '12251937'],
    ('date_understanding', 1): ['12/02/1986', 'It is 12/01/1986, i.e. (B)'],
    ('date_understanding', 2): ['So the answer is 05/13/1992'],
    ('snarks', 0): ["He\u2019s a terrible person, trying to promote a charity stream that has raised "
                    "millions to help kids in need", "HE'S A GENEROUS PERSON TRYING TO PROMOTE A "
                    "CHARITY STREAM THAT HAS RAISED MILLIONS TO HELP KIDS IN NEED!"],
    ('snarks', 132): ["His reaction is understandable\u2014he didn't get a reply in 2 minutes",
                      'His reaction is understandable he didnt get a reply in 2 years'],
    ('snarks', 150): ['Keep putting people in neat little compartments to protect your view point '
                      '\u2014\u00a0good idea', 'stop putting people in neat little compartments to '
                      'protect your view point \u00a0good idea'],
    ('ruin_names', 7): ["guns n' ropes", 'gunS N\u2019 hoses', "guns n'z roses"],
    ('ruin_names', 136): ["schindler's lift", 'Schindlers list', 'schindlerm\u00b4s list'],
    ('ruin_names', 222): ['singin\u2019 in the ruin', "sizngin' in the rain"],
    ('geometric_shapes', 0): ['heptagon', 'It draws a HEPTAGON.', 'a line and a kite',
                              'hexagon\n(C)', 'sector: I'],
}
mc_rows = [(t, r) for t in ['date_understanding', 'snarks', 'ruin_names', 'geometric_shapes']
           for r in rows[t]]
for t, row in mc_rows:
    resp = generic + specific.get((t, row['row']), [])
    for args in (yaml_mc, cot_mc, plain_mc):
        run('MultiChoiceRegexFilter', args, row, resp)
    # lm_eval/filters/extraction.py reads doc["choices"]: the same row's option texts as a list.
    choices = [m for m in utils.re.findall(r'\([A-Z]\)([^\n^(]*)', row['input'])]
    doc = {'input': row['input'], 'choices': choices, 'row': row['row']}
    for args in (yaml_mc, cot_mc, plain_mc):
        run('multi_choice_regex', args, doc, resp)

# ---- NumberParseRegexFilter ----
yaml_np = {'group_select': 0, 'regex_pattern': '([-0-9]+)'}
cot_np = dict(yaml_np, group_select=-1)
numbers = ['24', 'The answer is -17.', '-', 'So 3 + 4 = 7', 'twenty four', 'twenty-four',
           'Twenty Eight', 'eight', 'eighteen', 'eighty', 'one hundred and five',
           'a thousand and five', 'two thousand three hundred and twelve',
           'one million two hundred thousand and one', 'I have none', 'There is someone here',
           'seven apples and three pears', 'Fourteen', 'forty two', 'ninety-nine',
           'eleven, twelve', 'three\u00a0hundred', 'five\x1chundred', 'twenteen', 'a trillion',
           'one thousand thousand', 'thousand million', 'two hundred thousand, five hundred',
           'nine hundred ninety nine billion', 'ten\ttwenty', 'It is often said', 'no idea',
           'one two three four five', 'six & seven', 'fifteen hundred']
for args, row in [(yaml_np, rows['multistep_arithmetic_two'][0]), (cot_np, rows['object_counting'][0])]:
    run('NumberParseRegexFilter', args, row, numbers)

# ---- MapRegexFilter ----
sports = {'group_select': 0, 'ignore_case': True,
          'regex_pattern_to_value': {'\\b(no|not plausible)\\b': 'no', '\\b(yes|plausible)\\b': 'yes'}}
lies = {'group_select': 0, 'ignore_case': True,
        'regex_pattern_to_value': {'\\b(no|does not tell the truth|is not telling the truth)\\b': 'no',
                                   '\\b(yes|tells the truth|is telling the truth)\\b': 'yes'}}
sports_cot = dict(sports, group_select=-1)
sports_punct = dict(sports, ignore_punctuation=True, regexes_to_ignore=['^Answer: '], fallback='?')
answers = ['yes', 'No.', 'It is plausible', 'not plausible', 'The sentence is not plausible.',
           'Plausible!', 'nope', 'YES', 'I think so', 'no, yes', '', 'Noah is here',
           'Yes, Elanor tells the truth.', 'Elanor does not tell the truth',
           'Shalonda is telling the truth', 'Answer: no', 'implausible', 'un-plausible',
           'It is not\u00a0plausible', 'plausible? no', 'Answer: yes\u2026']
for args, row in [(sports, rows['sports_understanding'][0]), (lies, rows['web_of_lies'][0]),
                  (sports_cot, rows['sports_understanding'][1]),
                  (sports_punct, rows['sports_understanding'][2])]:
    run('MapRegexFilter', args, row, answers)

# ---- WordSortFilter ----
ws = {r['row']: r for r in rows['word_sorting']}
sort_cases = [
    (ws[0], ['syndrome therefrom', 'therefrom syndrome', 'syndrome therefrom syndrome',
             'The sorted list is: syndrome, therefrom.', 'Syndrome therefrom', 'syndromes therefrom',
             '', 'syndrome-therefrom', 'therefrom\nsyndrome\ntherefrom']),
    (ws[1], [ws[1]['target'], 'barn damp it&t r&d dot', 'it&t it&t barn', 'it&tx barn']),
    (ws[12], ["you've been", "youve you've you\u2019ve"]),
    (ws[18], ["o'connell and o'connor", "O'connell o'connell"]),
    (ws[245], [ws[245]['target'], 'r&d']),
    # Written for this test (no BBH row has them): a word holding a regex metacharacter, which
    # lm-eval leaves unescaped, and non-ASCII words, where \b is Unicode.
    ({'input': 'Sort the following words alphabetically: List: a.b zeta', 'target': 'a.b zeta'},
     ['axb zeta a.b', 'a.bc zeta']),
    ({'input': 'Sort the following words alphabetically: List: café été naïve',
      'target': 'café naïve été'}, ['café été naïve', 'cafés été été', 'été_ café', 'xnaïve naïve']),
    ({'input': 'Sort these. List: one two List: three', 'target': ''}, ['one two three']),
]
for doc, resp in sort_cases:
    run('WordSortFilter', {}, doc, resp)

punct = [i for i in range(sys.maxunicode) if unicodedata.category(chr(i)).startswith('P')]
ranges = []
for c in punct:
    if ranges and ranges[-1][1] == c - 1:
        ranges[-1][1] = c
    else:
        ranges.append([c, c])
out = {'unicode_version': unicodedata.unidata_version, 'punctuation_ranges': ranges,
       'docs': docs, 'cases': cases}
with open(os.path.join(here, 'expected.json'), 'w', encoding='utf-8') as f:
    dump = lambda v: json.dumps(v, ensure_ascii=False)
    f.write('{"unicode_version": %s,\n"punctuation_ranges": %s,\n' % (dump(out['unicode_version']), dump(ranges)))
    f.write('"docs": [\n%s],\n' % ',\n'.join(map(dump, docs)))
    f.write('"cases": [\n%s]}\n' % ',\n'.join(map(dump, cases)))
counts = {}
for c in cases:
    counts[c['class']] = counts.get(c['class'], 0) + 1
print(counts, sum('error' in c for c in cases), 'errors')
