;;; fastapi-lint.el --- The fastapi-lint language server in Eglot  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1") (eglot "1.9"))
;; Keywords: languages, tools
;; SPDX-License-Identifier: MIT

;;; Commentary:

;; Registers `fastapi-lint server' with Eglot for Python buffers:
;;
;;   (require 'fastapi-lint)
;;   (setq fastapi-lint-settings '(:ignore ["FAS102"] :fat-route (:max-statements 20)))
;;   (fastapi-lint-eglot-setup)
;;   (add-hook 'python-mode-hook #'eglot-ensure)
;;
;; Diagnostics arrive through Flymake; quick fixes are Eglot's code actions
;; (`eglot-code-actions'); `fastapi-lint-fix-all' applies every safe fix of the buffer and
;; `fastapi-lint-routes' jumps to a route's handler.  Eglot gives a major mode one server, so
;; this replaces the Python server Eglot would otherwise start (pylsp, pyright, ...).

;;; Code:

(require 'cl-lib)
(require 'eglot)
(require 'jsonrpc)

(defgroup fastapi-lint nil
  "The fastapi-lint language server in Eglot."
  :group 'eglot
  :prefix "fastapi-lint-")

(defcustom fastapi-lint-server-command '("fastapi-lint" "server")
  "The command that starts the server.
For a particular interpreter: (\"/path/to/python\" \"-m\" \"fastapi_lsp\")."
  :type '(repeat string))

(defcustom fastapi-lint-settings nil
  "Settings for the server: a plist of the keys of [tool.fastapi-lint].
For example (:select [\"FAS1\"] :ignore [\"FAS102\"]
:extend-select [\"FAS311\"] :fat-route (:max-statements 20)
:debounce-ms 150 :fix-on-save t).  Lists of codes are vectors.  They
override the project's pyproject.toml.  A hash table works too."
  :type 'plist)

(defcustom fastapi-lint-major-modes '(python-mode python-ts-mode)
  "The major modes whose buffers the server checks."
  :type '(repeat symbol))

(defconst fastapi-lint-fix-all-kind "source.fixAll.fastapi-lint"
  "The code action kind of the server's \"fix all\".")

(defconst fastapi-lint-section "fastapi-lint"
  "The settings section the server reads.")

(defclass fastapi-lint-eglot-server (eglot-lsp-server) ()
  :documentation "The fastapi-lint server: it takes `fastapi-lint-settings'.")

(defun fastapi-lint--settings ()
  "The settings as a JSON object (an empty plist would be sent as null)."
  (or fastapi-lint-settings (make-hash-table)))

(cl-defmethod eglot-initialization-options ((_server fastapi-lint-eglot-server))
  (fastapi-lint--settings))

(cl-defmethod eglot-handle-request
  ((_server fastapi-lint-eglot-server) (_method (eql workspace/configuration)) &key items)
  "Answer the server's workspace/configuration with `fastapi-lint-settings'."
  (apply #'vector
         (mapcar (lambda (item)
                   (if (equal (plist-get item :section) fastapi-lint-section)
                       (fastapi-lint--settings)
                     nil))
                 items)))

(defun fastapi-lint--send-settings (server)
  "Send `fastapi-lint-settings' to SERVER after Eglot's own settings.
Eglot sends `eglot-workspace-configuration' (often empty) when it
connects; the settings under \"fastapi-lint\" follow it, so that
they are the ones the server keeps."
  (when (cl-typep server 'fastapi-lint-eglot-server)
    (jsonrpc-notify server :workspace/didChangeConfiguration
                    (list :settings (list :fastapi-lint (fastapi-lint--settings))))))

(defun fastapi-lint-eglot-contact (&optional _interactive)
  "The Eglot contact of the server: its class and command."
  (cons 'fastapi-lint-eglot-server fastapi-lint-server-command))

;;;###autoload
(defun fastapi-lint-eglot-setup ()
  "Register the server with Eglot for `fastapi-lint-major-modes'."
  (setq eglot-server-programs
        (cons (cons fastapi-lint-major-modes #'fastapi-lint-eglot-contact)
              (cl-remove #'fastapi-lint-eglot-contact eglot-server-programs :key #'cdr)))
  (add-hook 'eglot-connect-hook #'fastapi-lint--send-settings 'append))

(defun fastapi-lint--server ()
  "The fastapi-lint server managing the current buffer."
  (let ((server (eglot-current-server)))
    (unless (cl-typep server 'fastapi-lint-eglot-server)
      (user-error "fastapi-lint: no fastapi-lint server manages this buffer"))
    server))

;;;###autoload
(defun fastapi-lint-fix-all ()
  "Apply every safe fix of the buffer.
This is the server's source.fixAll.fastapi-lint code action."
  (interactive)
  (fastapi-lint--server)
  (eglot-code-actions (point-min) (point-max) fastapi-lint-fix-all-kind t))

(defun fastapi-lint--format-route (route)
  "How `fastapi-lint-routes' shows ROUTE."
  (format "%-7s %s  %s" (plist-get route :method) (plist-get route :path)
          (plist-get route :name)))

(defun fastapi-lint--jump-to-route (route)
  "Open the handler of ROUTE."
  (let ((start (plist-get (plist-get route :range) :start)))
    (find-file (eglot--uri-to-path (plist-get route :uri)))
    (goto-char (eglot--lsp-position-to-point start))))

;;;###autoload
(defun fastapi-lint-routes ()
  "Pick a FastAPI route of the project and jump to its handler."
  (interactive)
  (let* ((routes (append (jsonrpc-request (fastapi-lint--server) :fastapi-lint/routes
                                          (make-hash-table))
                         nil))
         (choices (mapcar (lambda (route) (cons (fastapi-lint--format-route route) route))
                          routes)))
    (unless choices
      (user-error "fastapi-lint: no FastAPI routes found"))
    (fastapi-lint--jump-to-route
     (cdr (assoc (completing-read "FastAPI route: " choices nil t) choices)))))

(provide 'fastapi-lint)
;;; fastapi-lint.el ends here
