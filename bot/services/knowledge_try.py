"""Check the knowledge base and try questions against it, from a shell.

python -m bot.services.knowledge_try                       # validate, exit 1 on problems
python -m bot.services.knowledge_try "Was kostet das?"     # ... and show the ranking
python -m bot.services.knowledge_try --locale en "Who can apply?"
python -m bot.services.knowledge_try --eval questions.tsv  # measure on a labelled set (see knowledge_eval)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.services.knowledge import KnowledgeError, load_knowledge
from bot.services.knowledge_eval import evaluate, read_labelled


def main(argv: list[str] | None = None) -> int:
    """Validate the shipped content; answer the given questions; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m bot.services.knowledge_try", description=__doc__)
    parser.add_argument("questions", nargs="*", help="questions to try")
    parser.add_argument("--locale", default="de", choices=("de", "en"))
    parser.add_argument("--eval", type=Path, metavar="FILE.tsv", help="a labelled set to measure")
    parser.add_argument("--mistakes", action="store_true", help="with --eval: list what went wrong")
    args = parser.parse_args(argv)
    try:
        kb = load_knowledge()
    except KnowledgeError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"knowledge base OK: {len(kb.entries)} entries")
    if args.eval:
        report = evaluate(kb, read_labelled(args.eval))
        print("\n".join(report.lines()))
        if args.mistakes:
            print("\n".join(report.mistakes()))
    for question in args.questions:
        result = kb.answer(question, args.locale)
        print(f"\n{question!r} ({args.locale}): {result.outcome.value}, intent {result.intent}")
        for match in result.matches:
            missing = f"  missing {', '.join(match.missing)}" if match.missing else ""
            phrasing = match.phrasing or ""
            print(f"  {match.score:.3f}  {match.entry.id:28} [{match.language}] {phrasing}{missing}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
