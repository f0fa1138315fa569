"""The knowledge base a question is answered from right now: the reviewed files plus chat-made entries.

Placeholder until chat-made entries exist: returns the shipped knowledge base.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.knowledge import KnowledgeBase, knowledge_base


async def knowledge_for(db: AsyncSession) -> KnowledgeBase:
    """The knowledge base to answer from in this session's transaction."""
    del db
    return knowledge_base()
