# Writes the test rows from a snapshot of github.com/ruixiangcui/AGIEval (data/v1/*.jsonl, commit
# 5c77d07; MIT, see README.md). Usage: python3 make_rows.py AGIEVAL_REPO_DIR
#  - math_rows.jsonl: MATH test problems as AGIEval ships them (AGIEval/data/v1/math.jsonl: question, and
#    other.solution / level / type), back in MATH's own schema {problem, level, type, solution}
#    (what EleutherAI/hendrycks_math holds).
#  - agieval_*.jsonl: AGIEval rows in the schema lm-eval's YAMLs read (hails/agieval-*):
#    {query, choices, gold} for multiple choice, {query, answer} for cloze. query is AGIEval's own
#    zero-shot prompt (src/dataset_loader.py convert_zero_shot, copied below), choices its
#    "(A)..." options, gold the 0-based indices of its label letter(s). This is our conversion,
#    made without access to the Hugging Face copies; the hooks read only choices/gold/answer.
import json, os, sys

repo = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))


def rows(name):
    return [json.loads(l) for l in open(os.path.join(repo, 'data/v1', name + '.jsonl'), encoding='utf-8')]


def dump(name, items):
    with open(os.path.join(here, name), 'w', encoding='utf-8') as f:
        for r in items:
            f.write(json.dumps(r, ensure_ascii=False) + '\n')


english_qa = ["lsat-ar", "lsat-lr", "lsat-rc", "logiqa-en", "sat-math", "sat-en", "aqua-rat",
              "sat-en-without-passage", "gaokao-english"]


def convert_zero_shot(line, dataset_name):  # AGIEval src/dataset_loader.py
    passage = line["passage"] if line["passage"] is not None else ""
    if dataset_name in english_qa:
        option_string = "ABCDEFG"
        count = len(line["options"])
        if count == 1:
            count = 5
        return passage + "Q: " + line["question"] + " " \
            + "Answer Choices: " + " ".join(line["options"]) + "\n" + \
            "A: Among A through {}, the answer is".format(option_string[count - 1])
    if dataset_name.startswith("gaokao") and line["options"]:
        option_string = "ABCDEFG"
        count = len(line["options"])
        if count == 1:
            count = 4
        return passage + "问题：" + line["question"] + " " \
            + "选项：" + " ".join(line["options"]) + "\n" + \
            "答案：从A到{}, 我们应选择".format(option_string[count - 1])
    if dataset_name == "math":
        return passage + "Q: " + line["question"] + "\n" "A: The answer is"
    return passage + "问题：" + line["question"] + "\n" + "答案："


math = rows('math')
picked = [0, 3, 4, 9, 10, 12, 16, 17, 18, 24, 27, 35, 36, 100, 105, 106, 119, 238, 339, 362, 373,
          464, 511]
dump('math_rows.jsonl', [{'problem': math[i]['question'], 'level': 'Level %d' % math[i]['other']['level'],
                          'type': math[i]['other']['type'], 'solution': math[i]['other']['solution']}
                         for i in picked])


def mc(name, idx):
    out = []
    for i in idx:
        r = rows(name)[i]
        labels = r['label'] if isinstance(r['label'], list) else [r['label']]
        out.append({'query': convert_zero_shot(r, name), 'choices': r['options'],
                    'gold': [ord(l) - ord('A') for l in labels]})
    return out


dump('agieval_mc.jsonl', mc('aqua-rat', range(6)) + mc('lsat-ar', range(4)) +
     mc('gaokao-physics', [3, 18, 31, 49]))
dump('agieval_cloze.jsonl',
     [{'query': convert_zero_shot(math[i], 'math'), 'answer': math[i]['answer']} for i in range(10)] +
     [{'query': convert_zero_shot(r, 'gaokao-mathcloze'), 'answer': r['answer']}
      for r in rows('gaokao-mathcloze')[:8]])
