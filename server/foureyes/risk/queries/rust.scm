; Risk rules for Rust. Capture names are rule ids (risk/catalog.py); "_" captures only help.

; --- shell execution (CWE-78) ---
((call_expression
   function: (scoped_identifier path: (identifier) @_cmd name: (identifier) @_new)
   arguments: (arguments . (string_literal (string_content) @_shell))) @shell-exec
 (#eq? @_cmd "Command") (#eq? @_new "new") (#match? @_shell "(^|/)(sh|bash|zsh|cmd|cmd\\.exe|powershell)$"))

; --- deserialisation of untrusted data (CWE-502) ---
((call_expression
   function: (scoped_identifier path: (identifier) @_crate name: (identifier) @_fn)) @unsafe-deserialization
 (#any-of? @_crate "bincode" "serde_pickle" "rmp_serde") (#any-of? @_fn "deserialize" "from_slice" "from_read"))

; --- SQL built from strings (CWE-89) ---
((call_expression
   function: [(identifier) (scoped_identifier name: (identifier)) (field_expression field: (field_identifier))] @_fn
   arguments: (arguments . [(macro_invocation macro: (identifier) @_format) (reference_expression value: (macro_invocation macro: (identifier) @_format))])) @sql-injection
 (#match? @_fn "(^|::|\\.)(query|query_as|execute|query_scalar|sql_query)$") (#eq? @_format "format"))

; --- filesystem deletion and permission changes ---
((call_expression
   function: (scoped_identifier path: (_) @_fs name: (identifier) @_fn)) @fs-delete
 (#match? @_fs "(^|::)fs$") (#any-of? @_fn "remove_file" "remove_dir" "remove_dir_all"))
((call_expression
   function: (scoped_identifier path: (_) @_fs name: (identifier) @_fn)) @permission-change
 (#match? @_fs "(^|::)fs$") (#eq? @_fn "set_permissions"))

; --- TLS verification turned off (CWE-295) ---
((call_expression
   function: (field_expression field: (field_identifier) @_fn)
   arguments: (arguments (boolean_literal) @_value)) @tls-disabled
 (#any-of? @_fn "danger_accept_invalid_certs" "danger_accept_invalid_hostnames") (#eq? @_value "true"))

; --- weak hashes and ciphers (CWE-327) ---
((scoped_identifier path: (identifier) @_crate) @weak-crypto
 (#any-of? @_crate "md5" "sha1" "md4" "des" "rc4"))

; --- insecure randomness for secrets (CWE-330) ---
((let_declaration
   pattern: (identifier) @_name
   value: (_) @_value) @insecure-random
 (#match? @_name "(?i)(token|secret|password|nonce|salt|otp|session|api_key)")
 (#match? @_value "(thread_rng|rand::random|SmallRng|StdRng::seed_from_u64)"))

; --- hard-coded secrets (CWE-798) ---
([(let_declaration pattern: (identifier) @_name value: (string_literal (string_content) @_value))
  (const_item name: (identifier) @_name value: (string_literal (string_content) @_value))
  (static_item name: (identifier) @_name value: (string_literal (string_content) @_value))] @hardcoded-secret
 (#match? @_name "(?i)(password|passwd|secret|api_?key|access_?key|private_?key|auth_?token|client_?secret)$")
 (#match? @_value "^[^\\s]{8,}$"))
((string_content) @hardcoded-secret
 (#match? @hardcoded-secret "^(AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|sk-[A-Za-z0-9_-]{20,}|xox[baprs]-[A-Za-z0-9-]{10,}|-----BEGIN [A-Z ]*PRIVATE KEY-----)"))

; --- dynamic code: unsafe blocks are the closest Rust analogue worth a reviewer's eye ---
((unsafe_block) @unsafe-code)

; --- authentication and permission code ---
((function_item name: (identifier) @_name) @auth-code
 (#match? @_name "(?i)(auth|login|logout|password|permission|authori[sz]e|is_admin|check_access|verify_token|jwt|session|csrf)"))

; --- swallowed errors ---
((let_declaration pattern: (_) @_pattern value: (_)) @swallowed-error
 (#eq? @_pattern "_"))

; --- placeholders and stubs ---
((macro_invocation macro: (identifier) @_macro) @placeholder
 (#any-of? @_macro "todo" "unimplemented"))
([(line_comment) (block_comment)] @placeholder
 (#match? @placeholder "(?i)\\b(TODO|FIXME|XXX|HACK)\\b"))

; --- disabled or skipped tests ---
((attribute_item (attribute (identifier) @_ignore)) @skipped-test
 (#eq? @_ignore "ignore"))

; --- imports ---
(use_declaration argument: (scoped_identifier path: (identifier) @import))
(use_declaration argument: (scoped_identifier path: (scoped_identifier . (identifier) @import)))
(use_declaration argument: (scoped_use_list path: (identifier) @import))
(use_declaration argument: (identifier) @import)
(extern_crate_declaration name: (identifier) @import)
