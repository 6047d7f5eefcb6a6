;;; e2e.el --- End-to-end check of fastapi-lint.el in Eglot  -*- lexical-binding: t; -*-

;; Run by tests/test_emacs.py as `emacs --batch -q -l e2e.el' against the real server.
;; Environment: FASTAPI_LINT_PLUGIN (editors/emacs), FASTAPI_LINT_CMD (the server command as
;; a JSON list), FASTAPI_LINT_FILE (the Python file to open), FASTAPI_LINT_SETTINGS (JSON
;; settings), FASTAPI_LINT_QUICK_FIX (the title of the quick fix to pick), FASTAPI_LINT_ROUTE
;; (a handler to pick in `fastapi-lint-routes', or empty to skip), FASTAPI_LINT_OUT (where
;; the JSON results go).  Each step records what it saw, or its error.

;;; Code:

(require 'cl-lib)
(require 'subr-x)

(defvar e2e-results (make-hash-table :test #'equal))
(defvar e2e-steps nil)
(defconst e2e-timeout 60.0) ; generous: CI runs the editors beside the rest of the suite

(defun e2e-put (key value)
  (puthash key value e2e-results))

(defun e2e-wait (predicate)
  "Process events until PREDICATE holds or the timeout passes; PREDICATE's last value."
  (let ((deadline (+ (float-time) e2e-timeout))
        (value nil))
    (while (and (not (setq value (funcall predicate))) (< (float-time) deadline))
      (accept-process-output nil 0.05)
      ;; Eglot and Flymake work on idle timers, which batch mode never runs by itself
      (when (fboundp 'timer-event-handler)
        (dolist (timer (copy-sequence timer-idle-list))
          (timer-event-handler timer))))
    value))

(defun e2e-step (name fn)
  (condition-case err
      (progn (funcall fn)
             (push (list name t nil) e2e-steps)
             t)
    (error (push (list name nil (error-message-string err)) e2e-steps)
           nil)))

(defun e2e-code (diag)
  "The rule code of a Flymake diagnostic from Eglot."
  (let ((lsp (cdr (assoc 'eglot-lsp-diag (flymake-diagnostic-data diag)))))
    (or (and lsp (plist-get lsp :code))
        (and (string-match "\\[\\(FAS[0-9]+\\)\\]" (flymake-diagnostic-text diag))
             (match-string 1 (flymake-diagnostic-text diag))))))

(defun e2e-diagnostics ()
  "fastapi-lint's Flymake diagnostics in the buffer, in order, as JSON objects."
  (let ((found (cl-remove-if-not
                (lambda (d) (string-prefix-p "fastapi-lint" (flymake-diagnostic-text d)))
                (flymake-diagnostics))))
    (setq found (sort found (lambda (a b) (< (flymake-diagnostic-beg a)
                                             (flymake-diagnostic-beg b)))))
    (mapcar (lambda (d)
              (let ((beg (flymake-diagnostic-beg d))
                    (end (flymake-diagnostic-end d))
                    (object (make-hash-table :test #'equal)))
                (save-excursion
                  (goto-char beg)
                  (puthash "line" (1- (line-number-at-pos)) object)
                  (puthash "col" (- beg (line-beginning-position)) object)
                  (goto-char end)
                  (puthash "end_line" (1- (line-number-at-pos)) object)
                  (puthash "end_col" (- end (line-beginning-position)) object))
                (puthash "code" (e2e-code d) object)
                (puthash "type" (symbol-name (flymake-diagnostic-type d)) object)
                (puthash "text" (flymake-diagnostic-text d) object)
                object))
            found)))

(defun e2e-codes ()
  (mapcar (lambda (d) (gethash "code" d)) (e2e-diagnostics)))

(defun e2e-buffer-text ()
  (buffer-substring-no-properties (point-min) (point-max)))

(defun e2e-main ()
  (add-to-list 'load-path (getenv "FASTAPI_LINT_PLUGIN"))
  (require 'fastapi-lint)
  (e2e-put "emacs_version" emacs-version)
  (e2e-put "eglot_file" (locate-library "eglot"))
  (setq fastapi-lint-server-command
        (json-parse-string (getenv "FASTAPI_LINT_CMD") :array-type 'list))
  (setq fastapi-lint-settings
        (json-parse-string (or (getenv "FASTAPI_LINT_SETTINGS") "{}")))
  (setq eglot-sync-connect e2e-timeout
        jsonrpc-default-request-timeout e2e-timeout)
  (fastapi-lint-eglot-setup)
  (find-file (getenv "FASTAPI_LINT_FILE"))
  (e2e-put "major_mode" (symbol-name major-mode))
  (and
   (e2e-step
    "diagnostics"
    (lambda ()
      (eglot-ensure)
      (run-hooks 'post-command-hook) ; where eglot-ensure connects
      (unless (e2e-wait (lambda () (bound-and-true-p eglot--managed-mode)))
        (error "Eglot does not manage the buffer"))
      (let ((server (eglot-current-server)))
        (e2e-put "server_class" (symbol-name (eieio-object-class server)))
        (e2e-put "server_name" (plist-get (eglot--server-info server) :name)))
      (flymake-start)
      (unless (e2e-wait (lambda () (e2e-diagnostics)))
        (error "No diagnostics from fastapi-lint"))
      ;; every finding of the first analysis (they arrive in one publication)
      (e2e-put "diagnostics" (vconcat (e2e-diagnostics)))))
   (e2e-step
    "quick_fix"
    (lambda ()
      (let* ((target (cl-find "FAS203" (e2e-diagnostics)
                              :key (lambda (d) (gethash "code" d)) :test #'equal))
             (title (getenv "FASTAPI_LINT_QUICK_FIX"))
             (offered nil))
        (unless target (error "No FAS203 diagnostic"))
        (goto-char (point-min))
        (forward-line (gethash "line" target))
        (forward-char (gethash "col" target))
        ;; Eglot's own code action menu, answered as a keyboard user would
        (cl-letf ((last-nonmenu-event ?a)
                  ((symbol-function 'completing-read)
                   (lambda (_prompt collection &rest _)
                     (setq offered (mapcar #'car collection))
                     (e2e-put "actions" (vconcat offered))
                     title)))
          (eglot-code-actions (point) (1+ (point)) nil t))
        (e2e-put "after_quick_fix" (e2e-buffer-text)))))
   (e2e-step
    "fix_all"
    (lambda ()
      (fastapi-lint-fix-all)
      (e2e-put "after_fix_all" (e2e-buffer-text))
      (flymake-start)
      (unless (e2e-wait (lambda () (equal (e2e-codes) '("FAS703"))))
        (error "Findings left after fastapi-lint-fix-all: %S" (e2e-codes)))
      (e2e-put "diagnostics_after_fix_all" (vconcat (e2e-diagnostics)))))
   (let ((route (getenv "FASTAPI_LINT_ROUTE")))
     (or (null route) (string-empty-p route)
         (e2e-step
          "routes"
          (lambda ()
            (goto-char (point-min))
            (cl-letf (((symbol-function 'completing-read)
                       (lambda (_prompt collection &rest _)
                         (let ((labels (mapcar #'car collection)))
                           (e2e-put "routes_offered" (vconcat labels))
                           (or (cl-find-if (lambda (label) (string-suffix-p route label))
                                           labels)
                               (error "No route named %s" route))))))
              (fastapi-lint-routes))
            (e2e-put "route_file" (buffer-file-name))
            (e2e-put "route_line" (line-number-at-pos))))))))

(condition-case err
    (e2e-main)
  (error (e2e-put "error" (error-message-string err))))
(e2e-put "steps" (vconcat (mapcar (lambda (s)
                                    (let ((object (make-hash-table :test #'equal)))
                                      (puthash "name" (nth 0 s) object)
                                      (puthash "ok" (if (nth 1 s) t :false) object)
                                      (puthash "error" (or (nth 2 s) :null) object)
                                      object))
                                  (reverse e2e-steps))))
(with-temp-file (getenv "FASTAPI_LINT_OUT")
  (insert (json-serialize e2e-results)))
(let ((server (ignore-errors (eglot-current-server))))
  (when server (ignore-errors (eglot-shutdown server))))
(kill-emacs 0)

;;; e2e.el ends here
