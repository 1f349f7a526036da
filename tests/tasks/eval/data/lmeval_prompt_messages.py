# Writes lmeval_prompt_messages.json (read by tests/tasks/eval/task_test.cc): prompt messages
# built by lm-eval's own code, lm_eval/api/utils.py (Message, maybe_delimit,
# multiturn_to_singleturn) and ConfigurableTask.build_qa_turn from lm_eval/api/task.py, both at
# commit 4e7e0d47, following fewshot_context's assembly (system prompt, few-shot turns, the
# question) with the first_n sampler over the documents of qa.jsonl (in docs/ beside this
# script). DIR holds lm-eval's two files, saved from a clone of lm-evaluation-harness:
#   git show 4e7e0d47:lm_eval/api/utils.py > DIR/lm_utils.py
#   git show 4e7e0d47:lm_eval/api/task.py > DIR/task_src.py
#   python3 lmeval_prompt_messages.py DIR
import ast, json, os, sys
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, sys.argv[1])
import lm_utils as U
src = open(os.path.join(sys.argv[1], 'task_src.py')).read()
tree = ast.parse(src)
fn = None
for node in ast.walk(tree):
    if isinstance(node, ast.FunctionDef) and node.name == 'build_qa_turn':
        fn = node
mod = ast.Module(body=[fn], type_ignores=[])
ns = {'Message': U.Message, 'maybe_delimit': U.maybe_delimit, 'requires_delimiter': U.requires_delimiter}
exec(compile(ast.fix_missing_locations(mod), 'task.py', 'exec'), ns)
build_qa_turn = ns['build_qa_turn']
docs = [json.loads(l) for l in open(os.path.join(here, 'docs/qa.jsonl'))]
def context(d, system_instruction, description, gen_prefix, fewshot_delim='\n\n', tgt=' '):
    doc = docs[d]
    msgs = []
    sp = U.maybe_delimit(system_instruction, description, fewshot_delim)
    if sp: msgs.append(U.Message('system', sp))
    shots = [x for x in docs if x != doc][:2]   # first_n, same split
    for fs in shots:
        msgs += build_qa_turn(None, q=fs['question'], c=fs['choices'], a=fs['answer'], gen_prefix=gen_prefix, tgt_delim=tgt, few_delim=fewshot_delim)
    msgs += build_qa_turn(None, q=doc['question'], c=doc['choices'], gen_prefix=gen_prefix, tgt_delim=tgt, few_delim='')
    import copy
    plain = ''.join(m.to_text() for m in msgs)
    multi = [m.to_dict() for m in msgs]
    single = U.multiturn_to_singleturn(copy.deepcopy(msgs))
    return {'messages': [[m.role, m.content, m._delimiter] for m in msgs], 'plain': plain, 'multi': multi, 'single': single}
cases = []
for si, desc, gp in [(None, None, None), ('Be brief.', 'Quiz.\n\n', 'Answer:'), (None, 'Quiz:', 'A: '), ('Sys', None, 'Answer:')]:
    for d in [0, 3]:
        cases.append({'system_instruction': si or '', 'description': desc or '', 'gen_prefix': gp or '', 'doc': d, **context(d, si, desc, gp)})
json.dump(cases, open(os.path.join(here, 'lmeval_prompt_messages.json'), 'w'), indent=1, ensure_ascii=False)
