"""Small template filters for the clinician workspace."""

from django import template

register = template.Library()


@register.filter
def words(name: str) -> str:
    """``rash_generalized`` -> ``rash generalized``."""
    return str(name).replace("_", " ")


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` for keys with dashes (``results|get_item:"eular-acr-2019"``)."""
    if not isinstance(mapping, dict):
        return None
    return mapping.get(key)
