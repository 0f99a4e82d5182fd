; Risk rules for JavaScript, also used for TypeScript and TSX (they share these node
; types). Capture names are rule ids (risk/catalog.py); "_" captures only help.

; --- shell execution (CWE-78) ---
((call_expression
   function: (member_expression property: (property_identifier) @_fn)) @shell-exec
 (#any-of? @_fn "exec" "execSync"))
((call_expression function: (identifier) @_fn) @shell-exec
 (#any-of? @_fn "exec" "execSync"))
((call_expression
   function: (member_expression property: (property_identifier) @_fn)
   arguments: (arguments (object (pair key: (property_identifier) @_kw value: (true))))) @shell-exec
 (#any-of? @_fn "spawn" "spawnSync" "execFile" "execFileSync") (#eq? @_kw "shell"))

; --- dynamic code (CWE-95) ---
((call_expression function: (identifier) @_fn) @dynamic-code
 (#eq? @_fn "eval"))
((new_expression constructor: (identifier) @_fn) @dynamic-code
 (#eq? @_fn "Function"))
((call_expression
   function: [(identifier) (member_expression property: (property_identifier))] @_fn
   arguments: (arguments . (string))) @dynamic-code
 (#match? @_fn "(^|\\.)(setTimeout|setInterval)$"))

; --- deserialisation of untrusted data (CWE-502) ---
((call_expression
   function: (member_expression object: (identifier) @_mod property: (property_identifier) @_fn)) @unsafe-deserialization
 (#any-of? @_mod "serialize" "nodeSerialize" "yaml" "YAML" "jsyaml")
 (#any-of? @_fn "unserialize" "load"))

; --- SQL built from strings (CWE-89) ---
((call_expression
   function: (member_expression property: (property_identifier) @_fn)
   arguments: (arguments . (template_string (template_substitution)))) @sql-injection
 (#any-of? @_fn "query" "execute" "raw" "$queryRawUnsafe" "$executeRawUnsafe" "exec"))
((call_expression
   function: (member_expression property: (property_identifier) @_fn)
   arguments: (arguments . (binary_expression left: [(string) (template_string)] operator: "+"))) @sql-injection
 (#any-of? @_fn "query" "execute" "raw" "$queryRawUnsafe" "$executeRawUnsafe" "exec"))

; --- filesystem deletion and permission changes ---
((call_expression
   function: (member_expression object: (identifier) @_mod property: (property_identifier) @_fn)) @fs-delete
 (#any-of? @_mod "fs" "fsp" "fse" "promises")
 (#any-of? @_fn "rm" "rmSync" "rmdir" "rmdirSync" "unlink" "unlinkSync" "remove" "removeSync"))
((call_expression
   function: (member_expression object: (identifier) @_mod property: (property_identifier) @_fn)) @permission-change
 (#any-of? @_mod "fs" "fsp" "promises") (#any-of? @_fn "chmod" "chmodSync" "chown" "chownSync"))

; --- TLS verification turned off (CWE-295) ---
((pair key: (property_identifier) @_kw value: (false)) @tls-disabled
 (#eq? @_kw "rejectUnauthorized"))
((assignment_expression
   left: (member_expression property: (property_identifier) @_env)
   right: (string (string_fragment) @_value)) @tls-disabled
 (#eq? @_env "NODE_TLS_REJECT_UNAUTHORIZED") (#eq? @_value "0"))

; --- weak hashes and ciphers (CWE-327) ---
((call_expression
   function: (member_expression property: (property_identifier) @_fn)
   arguments: (arguments . (string (string_fragment) @_algo))) @weak-crypto
 (#any-of? @_fn "createHash" "createCipheriv" "createCipher")
 (#match? @_algo "(?i)^(md5|md4|sha1|des|des-ecb|rc4|aes-128-ecb|aes-256-ecb)$"))

; --- insecure randomness for secrets (CWE-330) ---
((variable_declarator name: (identifier) @_name value: (_) @_value) @insecure-random
 (#match? @_name "(?i)(token|secret|password|nonce|salt|otp|session|apikey|api_key)")
 (#match? @_value "Math\\.random\\("))

; --- hard-coded secrets (CWE-798) ---
((variable_declarator
   name: (identifier) @_name
   value: (string (string_fragment) @_value)) @hardcoded-secret
 (#match? @_name "(?i)(password|passwd|secret|api_?key|access_?key|private_?key|auth_?token|client_?secret)$")
 (#match? @_value "^[^\\s]{8,}$"))
((pair
   key: [(property_identifier) (string)] @_name
   value: (string (string_fragment) @_value)) @hardcoded-secret
 (#match? @_name "(?i)(password|passwd|secret|api_?key|access_?key|private_?key|auth_?token|client_?secret)\"?$")
 (#match? @_value "^[^\\s]{8,}$"))
((string_fragment) @hardcoded-secret
 (#match? @hardcoded-secret "^(AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|sk-[A-Za-z0-9_-]{20,}|xox[baprs]-[A-Za-z0-9-]{10,}|-----BEGIN [A-Z ]*PRIVATE KEY-----)"))

; --- authentication and permission code ---
((function_declaration name: (identifier) @_name) @auth-code
 (#match? @_name "(?i)(auth|login|logout|password|permission|authori[sz]e|isAdmin|is_admin|checkAccess|verifyToken|jwt|session|csrf)"))
((method_definition name: (property_identifier) @_name) @auth-code
 (#match? @_name "(?i)(auth|login|logout|password|permission|authori[sz]e|isAdmin|is_admin|checkAccess|verifyToken|jwt|session|csrf)"))

; --- swallowed errors ---
((catch_clause body: (statement_block) @_body) @swallowed-error
 (#match? @_body "^\\{\\s*\\}$"))

; --- placeholders and stubs ---
((comment) @placeholder
 (#match? @placeholder "(?i)\\b(TODO|FIXME|XXX|HACK)\\b"))
((throw_statement (new_expression arguments: (arguments (string (string_fragment) @_msg)))) @placeholder
 (#match? @_msg "(?i)not (yet )?implemented"))

; --- disabled or skipped tests ---
((call_expression
   function: (member_expression object: (identifier) @_suite property: (property_identifier) @_skip)) @skipped-test
 (#any-of? @_suite "it" "test" "describe" "context") (#any-of? @_skip "skip" "todo"))
((call_expression function: (identifier) @_fn) @skipped-test
 (#any-of? @_fn "xit" "xdescribe" "xtest"))

; --- imports ---
(import_statement source: (string (string_fragment) @import))
(export_statement source: (string (string_fragment) @import))
((call_expression
   function: (identifier) @_require
   arguments: (arguments . (string (string_fragment) @import)))
 (#eq? @_require "require"))
((call_expression function: (import) arguments: (arguments . (string (string_fragment) @import))))
