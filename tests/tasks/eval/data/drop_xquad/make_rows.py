# Writes the test rows under drop/data and xquad/data in the layout Hugging Face datasets gives
# them (see README.md for sources and licences):
#   python3 make_rows.py ALLENNLP_MODELS_CHECKOUT XQUAD_CHECKOUT
# DROP: allenai/allennlp-models test_fixtures/rc/drop.json and allenai-orb/orb_sample_input.jsonl (commit
# b1f372248c17), converted as EleutherAI/drop's loading script (lm-eval's former
# lm_eval/datasets/drop/drop.py, _generate_examples) does, then stored as HF stores a Sequence of
# dicts: a dict of lists (validated_answers = {"number": [...], "date": [{...}], "spans": [[...]],
# ...}). Rows marked HAND-WRITTEN below are ours, on the real passages.
# XQuAD: deepmind/xquad xquad.<lang>.json (SQuAD v1.1 nesting), flattened as google/xquad on the
# Hub has it: {id, context, question, answers: {text: [...], answer_start: [...]}}.
import json, os, sys

here = os.path.dirname(os.path.abspath(__file__))
allennlp, xquad = sys.argv[1], sys.argv[2]
EMPTY = [{"number": "", "date": {"day": "", "month": "", "year": ""}, "spans": [],
          "worker_id": "", "hit_id": ""}]


def answer(a):
    d = a.get("date", {})
    return {"number": a.get("number", ""),
            "date": {"day": d.get("day", ""), "month": d.get("month", ""), "year": d.get("year", "")},
            "spans": a.get("spans", []), "worker_id": a.get("worker_id", ""), "hit_id": a.get("hit_id", "")}


def row(section_id, passage, qa):
    va = [answer(v) for v in qa["validated_answers"]] if "validated_answers" in qa else EMPTY
    keys = ["number", "date", "spans", "worker_id", "hit_id"]
    return {"section_id": section_id, "passage": passage, "question": qa["question"],
            "query_id": qa["query_id"], "answer": answer(qa["answer"]),
            "validated_answers": {k: [v[k] for v in va] for k in keys}}


def span(s):
    return {"number": "", "date": {}, "spans": [s]}


def number(n):
    return {"number": n, "date": {}, "spans": []}


fixture = json.load(open(os.path.join(allennlp, "test_fixtures/rc/drop.json")))
train, validation = [], []
for sid, ex in fixture.items():
    for qa in ex["qa_pairs"]:
        (train if sid.startswith("history") else validation).append(row(sid, ex["passage"], qa))

# ORB's sample holds two DROP dev questions with their validated answers, flattened to strings
# (the first answer is the `answer`, the rest `validated_answers`); DROP's own sample (allennlp.org
# /drop) shows f37e81fa's as spans; ac6ba235's "How many" answers are numbers.
orb = [json.loads(l) for l in open(os.path.join(allennlp, "test_fixtures/rc/orb_sample_input.jsonl"))]
nfl = next(o for o in orb if any(q["dataset"] == "drop" for q in o["qa_pairs"]))
for q in nfl["qa_pairs"]:
    make = number if q["question"].startswith("How many") else span
    ans = [make(a[0]) for a in q["answers"]]
    validation.append(row("nfl_1184", nfl["context"], {"question": q["question"], "query_id": q["qid"],
                                                        "answer": ans[0], "validated_answers": ans[1:]}))
# HAND-WRITTEN questions on the real passages: a multi-span answer and a date answer.
validation.append(row("nfl_1184", nfl["context"], {
    "question": "Which players caught touchdown passes from Russell?", "query_id": "hand-multispan-1",
    "answer": {"number": "", "date": {}, "spans": ["Chaz Schilens", "Johnnie Lee Higgins"]},
    "validated_answers": [{"number": "", "date": {}, "spans": ["Johnnie Lee Higgins", "Chaz Schilens"]},
                          {"number": "", "date": {}, "spans": ["Chaz Schilens"]}]}))
h720 = fixture["history_720"]["passage"]
validation.append(row("history_720", h720, {
    "question": "When was the Treaty of Stolbovo signed?", "query_id": "hand-date-1",
    "answer": {"number": "", "date": {"day": "27", "month": "February", "year": "1617"}, "spans": []},
    "validated_answers": [{"number": "", "date": {"day": "", "month": "", "year": "1617"}, "spans": []},
                          span("27 February 1617"),
                          {"number": "", "date": {"day": "27", "month": "February", "year": "1617"}, "spans": []}]}))


def write(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


write(os.path.join(here, "drop/data/train.jsonl"), train)
write(os.path.join(here, "drop/data/validation.jsonl"), validation)

# XQuAD: the Super_Bowl_50 article's second paragraph, questions 0, 3, 4, 5 and 9, in five
# languages (the dataset is parallel: the same questions in each).
for lang in ["en", "ar", "hi", "zh", "th"]:
    d = json.load(open(os.path.join(xquad, f"xquad.{lang}.json"), encoding="utf-8"))
    p = d["data"][0]["paragraphs"][1]
    rows = []
    for i in [0, 3, 4, 5, 9]:
        q = p["qas"][i]
        rows.append({"id": q["id"], "context": p["context"], "question": q["question"],
                     "answers": {"text": [a["text"] for a in q["answers"]],
                                 "answer_start": [a["answer_start"] for a in q["answers"]]}})
    write(os.path.join(here, f"xquad/data/xquad.{lang}.jsonl"), rows)
