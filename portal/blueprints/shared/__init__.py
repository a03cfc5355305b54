"""Web code that several audiences use: audience blueprints import it and ``portal.web``, never
each other (a test that parses imports enforces it). It holds no blueprint and no route."""
