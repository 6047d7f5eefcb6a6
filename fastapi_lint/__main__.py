from fastapi_lint.cli import main

raise SystemExit(main())
