; Risk rules for Python. A capture named after a rule id (see risk/catalog.py) marks
; the code a reason points at; captures starting with "_" only help to match.

; --- shell execution (CWE-78) ---
((call
   function: (attribute object: (identifier) @_mod attribute: (identifier) @_fn)
   arguments: (argument_list
     (keyword_argument name: (identifier) @_kw value: (true)))) @shell-exec
 (#eq? @_mod "subprocess") (#eq? @_kw "shell"))
((call
   function: (attribute object: (identifier) @_mod attribute: (identifier) @_fn)) @shell-exec
 (#eq? @_mod "os") (#any-of? @_fn "system" "popen" "popen2" "popen3" "execl" "execlp" "execv" "execvp" "spawnl" "spawnv"))
((call
   function: (attribute object: (identifier) @_mod attribute: (identifier) @_fn)) @shell-exec
 (#eq? @_mod "commands") (#any-of? @_fn "getoutput" "getstatusoutput"))

; --- dynamic code (CWE-95) ---
((call function: (identifier) @_fn) @dynamic-code
 (#any-of? @_fn "eval" "exec" "compile" "__import__"))

; --- deserialisation of untrusted data (CWE-502) ---
((call
   function: (attribute object: (identifier) @_mod attribute: (identifier) @_fn)) @unsafe-deserialization
 (#any-of? @_mod "pickle" "cPickle" "marshal" "dill" "shelve" "jsonpickle")
 (#any-of? @_fn "load" "loads" "open" "decode" "Unpickler"))
((call
   function: (attribute object: (identifier) @_mod attribute: (identifier) @_fn)
   arguments: (argument_list . (_) .)) @unsafe-deserialization
 (#eq? @_mod "yaml") (#any-of? @_fn "load" "load_all" "unsafe_load" "full_load"))
((call
   function: (attribute object: (identifier) @_mod attribute: (identifier) @_fn)
   arguments: (argument_list
     (keyword_argument name: (identifier) @_kw value: (attribute attribute: (identifier) @_loader)))) @unsafe-deserialization
 (#eq? @_mod "yaml") (#any-of? @_fn "load" "load_all") (#eq? @_kw "Loader")
 (#any-of? @_loader "Loader" "UnsafeLoader" "FullLoader"))

; --- SQL built from strings (CWE-89) ---
((call
   function: (attribute attribute: (identifier) @_fn)
   arguments: (argument_list . (string (interpolation)))) @sql-injection
 (#any-of? @_fn "execute" "executemany" "executescript" "raw" "query" "text"))
((call
   function: (attribute attribute: (identifier) @_fn)
   arguments: (argument_list . (binary_operator left: (string) operator: ["%" "+"]))) @sql-injection
 (#any-of? @_fn "execute" "executemany" "executescript" "raw" "query" "text"))
((call
   function: (attribute attribute: (identifier) @_fn)
   arguments: (argument_list .
     (call function: (attribute object: (string) attribute: (identifier) @_format)))) @sql-injection
 (#any-of? @_fn "execute" "executemany" "executescript" "raw" "query" "text")
 (#eq? @_format "format"))

; --- filesystem deletion and permission changes (CWE-73, CWE-732) ---
((call
   function: (attribute object: (identifier) @_mod attribute: (identifier) @_fn)) @fs-delete
 (#any-of? @_mod "shutil" "os") (#any-of? @_fn "rmtree" "remove" "unlink" "rmdir" "removedirs"))
((call function: (attribute attribute: (identifier) @_fn)) @fs-delete
 (#any-of? @_fn "unlink" "rmdir") )
((call
   function: (attribute object: (identifier) @_mod attribute: (identifier) @_fn)) @permission-change
 (#eq? @_mod "os") (#any-of? @_fn "chmod" "chown" "lchown" "fchmod" "umask"))

; --- TLS verification turned off (CWE-295) ---
((keyword_argument name: (identifier) @_kw value: (false)) @tls-disabled
 (#eq? @_kw "verify"))
((attribute object: (identifier) @_mod attribute: (identifier) @_fn) @tls-disabled
 (#eq? @_mod "ssl") (#any-of? @_fn "_create_unverified_context" "CERT_NONE"))
((assignment
   left: (attribute attribute: (identifier) @_attr)
   right: (false)) @tls-disabled
 (#eq? @_attr "check_hostname"))

; --- weak hashes and ciphers (CWE-327, CWE-328) ---
((call
   function: (attribute object: (identifier) @_mod attribute: (identifier) @_fn)) @weak-crypto
 (#eq? @_mod "hashlib") (#any-of? @_fn "md5" "sha1" "md4"))
((call
   function: (attribute object: (identifier) @_mod attribute: (identifier) @_fn)
   arguments: (argument_list . (string (string_content) @_algo))) @weak-crypto
 (#eq? @_mod "hashlib") (#eq? @_fn "new") (#match? @_algo "(?i)^(md5|md4|sha1)$"))
((attribute object: (identifier) @_mod attribute: (identifier) @_mode) @weak-crypto
 (#any-of? @_mod "DES" "ARC4" "Blowfish" "AES" "modes") (#any-of? @_mode "MODE_ECB" "ECB" "new"))

; --- insecure randomness for secrets (CWE-330) ---
((assignment
   left: (identifier) @_name
   right: (call function: (attribute object: (identifier) @_mod))) @insecure-random
 (#eq? @_mod "random")
 (#match? @_name "(?i)(token|secret|password|passwd|nonce|salt|otp|session|api_?key)"))

; --- hard-coded secrets (CWE-798) ---
((assignment
   left: [(identifier) (attribute)] @_name
   right: (string (string_content) @_value)) @hardcoded-secret
 (#match? @_name "(?i)(password|passwd|secret|api_?key|access_?key|private_?key|auth_?token|client_secret)$")
 (#match? @_value "^[^\\s]{8,}$"))
((keyword_argument
   name: (identifier) @_name
   value: (string (string_content) @_value)) @hardcoded-secret
 (#match? @_name "(?i)^(password|passwd|secret|api_?key|access_?key|token|client_secret)$")
 (#match? @_value "^[^\\s]{8,}$"))
((string_content) @hardcoded-secret
 (#match? @hardcoded-secret "^(AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|sk-[A-Za-z0-9_-]{20,}|xox[baprs]-[A-Za-z0-9-]{10,}|-----BEGIN [A-Z ]*PRIVATE KEY-----)"))

; --- authentication and permission code (CWE-287, CWE-285) ---
((function_definition name: (identifier) @_name) @auth-code
 (#match? @_name "(?i)(auth|login|logout|password|permission|authori[sz]e|is_admin|access_control|check_access|verify_token|jwt|session|csrf)"))

; --- swallowed errors (CWE-390) ---
((except_clause (block . (pass_statement) .)) @swallowed-error)
((except_clause (block . (expression_statement (ellipsis)) .)) @swallowed-error)

; --- placeholders and stubs ---
((raise_statement [(identifier) (call function: (identifier))] @_exc) @placeholder
 (#match? @_exc "^NotImplementedError"))
((function_definition body: (block . (pass_statement) .)) @placeholder)
((function_definition body: (block . (expression_statement (ellipsis)) .)) @placeholder)
((comment) @placeholder
 (#match? @placeholder "(?i)\\b(TODO|FIXME|XXX|HACK)\\b"))

; --- disabled or skipped tests ---
((decorator (attribute attribute: (identifier) @_skip)) @skipped-test
 (#any-of? @_skip "skip" "skipIf" "skipUnless" "xfail"))
((decorator (call function: (attribute attribute: (identifier) @_skip))) @skipped-test
 (#any-of? @_skip "skip" "skipIf" "skipUnless" "xfail"))
((call function: (attribute object: (identifier) @_mod attribute: (identifier) @_skip)) @skipped-test
 (#eq? @_mod "pytest") (#eq? @_skip "skip"))

; --- imports (checked against the project's dependencies, not a reason by themselves) ---
(import_statement name: (dotted_name . (identifier) @import))
(import_statement name: (aliased_import name: (dotted_name . (identifier) @import)))
(import_from_statement module_name: (dotted_name . (identifier) @import))

; --- definitions (their references are counted for blast radius, not a reason by themselves) ---
(function_definition name: (identifier) @definition)
(class_definition name: (identifier) @definition)
