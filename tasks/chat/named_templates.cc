#include "tasks/chat/named_templates.h"

namespace mnemo::chat {
namespace {

// Sets ns.c to the message's text: the string content, or the "text" parts joined with "\n"
// (llama.cpp's common_chat_templates_apply_legacy joins them so before its built-in formats).
#define MN_MESSAGE_TEXT                                              \
  "{%- if message['content'] is string -%}"                          \
  "{%- set ns.c = message['content'] -%}"                            \
  "{%- else -%}"                                                     \
  "{%- set ns.c = '' -%}"                                            \
  "{%- if message['content'] -%}"                                    \
  "{%- for part in message['content'] if part['type'] == 'text' -%}" \
  "{%- set ns.c = ns.c ~ ('\\n' if ns.c else '') ~ part['text'] -%}" \
  "{%- endfor -%}"                                                   \
  "{%- endif -%}"                                                    \
  "{%- endif -%}"

// llama.cpp's trim() strips C isspace() (ASCII) only, where Jinja's bare trim strips Unicode
// whitespace too (U+00A0, U+3000, ...).
#define MN_TRIMMED "(ns.c | trim(' \\t\\n\\x0b\\x0c\\r'))"

const char kChatml[] =
    "{%- set ns = namespace(c='') -%}"
    "{%- for message in messages -%}" MN_MESSAGE_TEXT
    "{{- '<|im_start|>' ~ message['role'] ~ '\\n' ~ ns.c ~ '<|im_end|>\\n' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}";

// System contents (trimmed, concatenated) go in front of the first later turn that is not the
// model's, followed by "\n\n"; a system message with no such turn after it is dropped.
const char kGemma[] =
    "{{- bos_token -}}"
    "{%- set ns = namespace(c='', system='') -%}"
    "{%- for message in messages -%}" MN_MESSAGE_TEXT
    "{%- if message['role'] == 'system' -%}"
    "{%- set ns.system = ns.system ~ " MN_TRIMMED
    " -%}"
    "{%- else -%}"
    "{%- set role = 'model' if message['role'] == 'assistant' else message['role'] -%}"
    "{{- '<start_of_turn>' ~ role ~ '\\n' -}}"
    "{%- if ns.system and role != 'model' -%}"
    "{{- ns.system ~ '\\n\\n' -}}"
    "{%- set ns.system = '' -%}"
    "{%- endif -%}"
    "{{- " MN_TRIMMED
    " ~ '<end_of_turn>\\n' -}}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<start_of_turn>model\\n' -}}{%- endif -%}";

const char kLlama3[] =
    "{{- bos_token -}}"
    "{%- set ns = namespace(c='') -%}"
    "{%- for message in messages -%}" MN_MESSAGE_TEXT
    "{{- '<|start_header_id|>' ~ message['role'] ~ '<|end_header_id|>\\n\\n' ~ " MN_TRIMMED
    " ~ '<|eot_id|>' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}"
    "{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}"
    "{%- endif -%}";

// llama.cpp's format has no generation prompt: a prompt ending in "[/INST]" is already open
// for the assistant, so add_generation_prompt changes nothing. Roles other than system and
// user are written as assistant turns.
const char kMistralV7[] =
    "{{- bos_token -}}"
    "{%- set ns = namespace(c='') -%}"
    "{%- for message in messages -%}" MN_MESSAGE_TEXT
    "{%- if message['role'] == 'system' -%}"
    "{{- '[SYSTEM_PROMPT] ' ~ ns.c ~ '[/SYSTEM_PROMPT]' -}}"
    "{%- elif message['role'] == 'user' -%}"
    "{{- '[INST] ' ~ ns.c ~ '[/INST]' -}}"
    "{%- else -%}"
    "{{- ' ' ~ ns.c ~ '</s>' -}}"
    "{%- endif -%}"
    "{%- endfor -%}";

const char kPhi3[] =
    "{%- set ns = namespace(c='') -%}"
    "{%- for message in messages -%}" MN_MESSAGE_TEXT
    "{{- '<|' ~ message['role'] ~ '|>\\n' ~ ns.c ~ '<|end|>\\n' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|assistant|>\\n' -}}{%- endif -%}";

#undef MN_TRIMMED
#undef MN_MESSAGE_TEXT

}  // namespace

const std::vector<NamedTemplate>& NamedTemplates() {
  static const std::vector<NamedTemplate> kTemplates = {
      {"chatml",
       kChatml,
       {"<|im_end|>"},
       "ChatML (Qwen, Yi, Hermes): <|im_start|>ROLE\\n...<|im_end|>, contents as given, no BOS"},
      {"gemma",
       kGemma,
       {"<end_of_turn>"},
       "Gemma 2/3 IT: BOS, <start_of_turn>user|model, contents trimmed, system merged into the "
       "first user turn"},
      {"llama3",
       kLlama3,
       {"<|eot_id|>"},
       "Llama 3 Instruct: BOS, <|start_header_id|>ROLE<|end_header_id|>, contents trimmed, no "
       "date header"},
      {"mistral-v7",
       kMistralV7,
       {"</s>"},
       "Mistral v7 (Large 2411, Small 3): BOS, [SYSTEM_PROMPT] / [INST] ...[/INST], contents as "
       "given"},
      {"phi3",
       kPhi3,
       {"<|end|>"},
       "Phi-3 / Phi-3.5 Instruct: <|ROLE|>\\n...<|end|>, contents as given, no BOS"},
  };
  return kTemplates;
}

const NamedTemplate* FindNamedTemplate(std::string_view name) {
  for (const NamedTemplate& t : NamedTemplates()) {
    if (name == t.name) return &t;
  }
  return nullptr;
}

}  // namespace mnemo::chat
