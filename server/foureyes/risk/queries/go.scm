; Risk rules for Go. Capture names are rule ids (risk/catalog.py); "_" captures only help.

; --- shell execution (CWE-78) ---
((call_expression
   function: (selector_expression operand: (identifier) @_pkg field: (field_identifier) @_fn)
   arguments: (argument_list . (interpreted_string_literal (interpreted_string_literal_content) @_shell)
                             . (interpreted_string_literal (interpreted_string_literal_content) @_flag))) @shell-exec
 (#eq? @_pkg "exec") (#any-of? @_fn "Command" "CommandContext")
 (#match? @_shell "(^|/)(sh|bash|zsh|cmd|cmd\\.exe|powershell)$") (#any-of? @_flag "-c" "/c" "-Command"))
((call_expression
   function: (selector_expression operand: (identifier) @_pkg field: (field_identifier) @_fn)) @shell-exec
 (#eq? @_pkg "syscall") (#any-of? @_fn "Exec" "ForkExec"))

; --- deserialisation of untrusted data (CWE-502) ---
((call_expression
   function: (selector_expression operand: (identifier) @_pkg field: (field_identifier) @_fn)) @unsafe-deserialization
 (#eq? @_pkg "gob") (#eq? @_fn "NewDecoder"))

; --- SQL built from strings (CWE-89) ---
((call_expression
   function: (selector_expression field: (field_identifier) @_fn)
   arguments: (argument_list .
     (call_expression function: (selector_expression operand: (identifier) @_fmt field: (field_identifier) @_sprintf)))) @sql-injection
 (#any-of? @_fn "Query" "QueryRow" "Exec" "QueryContext" "QueryRowContext" "ExecContext" "Raw")
 (#eq? @_fmt "fmt") (#eq? @_sprintf "Sprintf"))
((call_expression
   function: (selector_expression field: (field_identifier) @_fn)
   arguments: (argument_list . (binary_expression left: (interpreted_string_literal) operator: "+"))) @sql-injection
 (#any-of? @_fn "Query" "QueryRow" "Exec" "QueryContext" "QueryRowContext" "ExecContext" "Raw"))

; --- filesystem deletion and permission changes ---
((call_expression
   function: (selector_expression operand: (identifier) @_pkg field: (field_identifier) @_fn)) @fs-delete
 (#eq? @_pkg "os") (#any-of? @_fn "Remove" "RemoveAll"))
((call_expression
   function: (selector_expression operand: (identifier) @_pkg field: (field_identifier) @_fn)) @permission-change
 (#eq? @_pkg "os") (#any-of? @_fn "Chmod" "Chown" "Lchown"))

; --- TLS verification turned off (CWE-295) ---
((keyed_element (literal_element (identifier) @_key) (literal_element (true))) @tls-disabled
 (#eq? @_key "InsecureSkipVerify"))
((assignment_statement
   left: (expression_list (selector_expression field: (field_identifier) @_key))
   right: (expression_list (true))) @tls-disabled
 (#eq? @_key "InsecureSkipVerify"))

; --- weak hashes and ciphers (CWE-327) ---
((call_expression
   function: (selector_expression operand: (identifier) @_pkg field: (field_identifier) @_fn)) @weak-crypto
 (#any-of? @_pkg "md5" "sha1" "des" "rc4") (#any-of? @_fn "New" "Sum" "NewCipher" "NewTripleDESCipher"))

; --- insecure randomness for secrets (CWE-330) ---
((short_var_declaration
   left: (expression_list (identifier) @_name)
   right: (expression_list (call_expression function: (selector_expression operand: (identifier) @_pkg)))) @insecure-random
 (#eq? @_pkg "rand") (#match? @_name "(?i)(token|secret|password|nonce|salt|otp|session|apikey)"))

; --- hard-coded secrets (CWE-798) ---
((short_var_declaration
   left: (expression_list (identifier) @_name)
   right: (expression_list (interpreted_string_literal (interpreted_string_literal_content) @_value))) @hardcoded-secret
 (#match? @_name "(?i)(password|passwd|secret|apikey|api_key|accesskey|privatekey|authtoken|clientsecret)$")
 (#match? @_value "^[^\\s]{8,}$"))
((const_spec
   name: (identifier) @_name
   value: (expression_list (interpreted_string_literal (interpreted_string_literal_content) @_value))) @hardcoded-secret
 (#match? @_name "(?i)(password|passwd|secret|apikey|api_key|accesskey|privatekey|authtoken|clientsecret)$")
 (#match? @_value "^[^\\s]{8,}$"))
((interpreted_string_literal_content) @hardcoded-secret
 (#match? @hardcoded-secret "^(AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|sk-[A-Za-z0-9_-]{20,}|xox[baprs]-[A-Za-z0-9-]{10,}|-----BEGIN [A-Z ]*PRIVATE KEY-----)"))

; --- authentication and permission code ---
([(function_declaration name: (identifier) @_name) (method_declaration name: (field_identifier) @_name)] @auth-code
 (#match? @_name "(?i)(auth|login|logout|password|permission|authori[sz]e|isadmin|checkaccess|verifytoken|jwt|session|csrf)"))

; --- swallowed errors ---
((if_statement
   condition: (binary_expression left: (identifier) @_err operator: "!=" right: (nil))
   consequence: (block) @_body) @swallowed-error
 (#eq? @_err "err") (#match? @_body "^\\{\\s*\\}$"))
((assignment_statement left: (expression_list (identifier) @_blank) right: (expression_list (identifier) @_err)) @swallowed-error
 (#eq? @_blank "_") (#eq? @_err "err"))

; --- placeholders and stubs ---
((comment) @placeholder
 (#match? @placeholder "(?i)\\b(TODO|FIXME|XXX|HACK)\\b"))
((call_expression
   function: (identifier) @_panic
   arguments: (argument_list (interpreted_string_literal (interpreted_string_literal_content) @_msg))) @placeholder
 (#eq? @_panic "panic") (#match? @_msg "(?i)(todo|not (yet )?implemented|unimplemented)"))

; --- disabled or skipped tests ---
((call_expression
   function: (selector_expression operand: (identifier) @_t field: (field_identifier) @_skip)) @skipped-test
 (#any-of? @_t "t" "b") (#any-of? @_skip "Skip" "SkipNow" "Skipf"))

; --- imports ---
(import_spec path: (interpreted_string_literal (interpreted_string_literal_content) @import))
