; Risk rules for Java. Capture names are rule ids (risk/catalog.py); "_" captures only help.

; --- process and shell execution (CWE-78) ---
((method_invocation name: (identifier) @_exec) @shell-exec
 (#eq? @_exec "exec"))
((object_creation_expression type: (type_identifier) @_pb) @shell-exec
 (#eq? @_pb "ProcessBuilder"))

; --- dynamic code (CWE-95) ---
((method_invocation object: (identifier) @_engine name: (identifier) @_eval) @dynamic-code
 (#eq? @_eval "eval") (#match? @_engine "(?i)engine"))

; --- deserialisation of untrusted data (CWE-502) ---
((object_creation_expression type: (type_identifier) @_ois) @unsafe-deserialization
 (#any-of? @_ois "ObjectInputStream" "XMLDecoder"))

; --- SQL built from strings (CWE-89) ---
((method_invocation
   name: (identifier) @_fn
   arguments: (argument_list . (binary_expression left: [(string_literal) (binary_expression)] operator: "+"))) @sql-injection
 (#any-of? @_fn "executeQuery" "executeUpdate" "execute" "prepareStatement" "createQuery" "createNativeQuery" "addBatch"))
((method_invocation
   name: (identifier) @_fn
   arguments: (argument_list . (method_invocation object: (identifier) @_string name: (identifier) @_format))) @sql-injection
 (#any-of? @_fn "executeQuery" "executeUpdate" "execute" "prepareStatement" "createQuery" "createNativeQuery")
 (#eq? @_string "String") (#eq? @_format "format"))

; --- filesystem deletion and permission changes ---
((method_invocation object: (identifier) @_files name: (identifier) @_fn) @fs-delete
 (#eq? @_files "Files") (#any-of? @_fn "delete" "deleteIfExists"))
((method_invocation object: (identifier) @_utils name: (identifier) @_fn) @fs-delete
 (#eq? @_utils "FileUtils") (#any-of? @_fn "deleteDirectory" "forceDelete" "cleanDirectory"))
((method_invocation object: (identifier) @_files name: (identifier) @_fn) @permission-change
 (#eq? @_files "Files") (#any-of? @_fn "setPosixFilePermissions" "setOwner"))

; --- TLS verification turned off (CWE-295) ---
((class_declaration interfaces: (super_interfaces (type_list (type_identifier) @_tm))) @tls-disabled
 (#eq? @_tm "X509TrustManager"))
((object_creation_expression type: (type_identifier) @_tm) @tls-disabled
 (#any-of? @_tm "X509TrustManager" "TrustAllStrategy" "NoopHostnameVerifier"))

; --- weak hashes and ciphers (CWE-327) ---
((method_invocation
   name: (identifier) @_get
   arguments: (argument_list . (string_literal (string_fragment) @_algo))) @weak-crypto
 (#eq? @_get "getInstance") (#match? @_algo "(?i)^(md5|md4|md2|sha-?1|des|desede|rc4|.*/ecb/.*)$"))

; --- insecure randomness for secrets (CWE-330) ---
((variable_declarator
   name: (identifier) @_name
   value: (_) @_value) @insecure-random
 (#match? @_name "(?i)(token|secret|password|nonce|salt|otp|session|apikey)")
 (#match? @_value "(new Random\\(|Math\\.random\\()"))

; --- hard-coded secrets (CWE-798) ---
((variable_declarator
   name: (identifier) @_name
   value: (string_literal (string_fragment) @_value)) @hardcoded-secret
 (#match? @_name "(?i)(password|passwd|secret|apikey|api_key|accesskey|privatekey|authtoken|clientsecret)$")
 (#match? @_value "^[^\\s]{8,}$"))
((string_fragment) @hardcoded-secret
 (#match? @hardcoded-secret "^(AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|sk-[A-Za-z0-9_-]{20,}|xox[baprs]-[A-Za-z0-9-]{10,}|-----BEGIN [A-Z ]*PRIVATE KEY-----)"))

; --- authentication and permission code ---
((method_declaration name: (identifier) @_name) @auth-code
 (#match? @_name "(?i)(auth|login|logout|password|permission|authori[sz]e|isadmin|checkaccess|verifytoken|jwt|session|csrf)"))

; --- swallowed errors ---
((catch_clause body: (block) @_body) @swallowed-error
 (#match? @_body "^\\{\\s*\\}$"))

; --- placeholders and stubs ---
([(line_comment) (block_comment)] @placeholder
 (#match? @placeholder "(?i)\\b(TODO|FIXME|XXX|HACK)\\b"))
((throw_statement (object_creation_expression type: (type_identifier) @_exc)) @placeholder
 (#eq? @_exc "UnsupportedOperationException"))

; --- disabled or skipped tests ---
((marker_annotation name: (identifier) @_disabled) @skipped-test
 (#any-of? @_disabled "Disabled" "Ignore"))
((annotation name: (identifier) @_disabled) @skipped-test
 (#any-of? @_disabled "Disabled" "Ignore"))

; --- imports ---
(import_declaration (scoped_identifier) @import)
