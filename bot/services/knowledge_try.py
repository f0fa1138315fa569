"""Check the knowledge base and try questions against it, from a shell.

python -m bot.services.knowledge_try                       # validate, exit 1 on problems
python -m bot.services.knowledge_try "Was kostet das?"     # ... and show the ranking
python -m bot.services.knowledge_try --locale en "Who can apply?"
"""

from __future__ import annotations

import argparse
import sys

from bot.services.knowledge import KnowledgeError, load_knowledge


def main(argv: list[str] | None = None) -> int:
    """Validate the shipped content; answer the given questions; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m bot.services.knowledge_try", description=__doc__)
    parser.add_argument("questions", nargs="*", help="questions to try")
    parser.add_argument("--locale", default="de", choices=("de", "en"))
    args = parser.parse_args(argv)
    try:
        kb = load_knowledge()
    except KnowledgeError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"knowledge base OK: {len(kb.entries)} entries")
    for question in args.questions:
        result = kb.answer(question, args.locale)
        verdict = "confident" if result.confident else "NOT confident"
        print(f"\n{question!r} ({args.locale}): {verdict}, intent {result.intent}")
        for match in result.matches:
            print(f"  {match.score:.3f}  {match.entry.id:32} [{match.language}] {match.phrasing or ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
