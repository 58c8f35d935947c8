from watchbot.cli import main

raise SystemExit(main())
