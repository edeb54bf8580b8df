"""The support agent's helpers, grounded in the store's catalog and reviews, with no language model.

``describe_product`` writes shop copy from a product's catalog record, ``analyze_reviews`` sums up
what shoppers praise, criticise and wish for, and ``recommend`` / ``similar_products`` pick products
for a need in words. All of them read the Chatbot's documents (``chatbot.retriever.index``, a
KnowledgeIndex, or a list of Documents) and are deterministic. The agent UI lives in ``ui/``.
"""

from chatbot.shop.descriptions import describe_product
from chatbot.shop.products import Product, Review, categories, find_category, find_product, products_from, reviews_from
from chatbot.shop.recommend import Need, Recommendation, parse_need, recommend, similar_products
from chatbot.shop.reviews import AspectSummary, Quote, ReviewAnalysis, analyze_reviews

__all__ = ["AspectSummary", "Need", "Product", "Quote", "Recommendation", "Review", "ReviewAnalysis",
           "analyze_reviews", "categories", "describe_product", "find_category", "find_product", "parse_need",
           "products_from", "recommend", "reviews_from", "similar_products"]
