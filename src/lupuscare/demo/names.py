"""Names for synthetic demo patients and staff: common given and family names from many
countries, combined at random. Any resemblance to a real person is coincidental."""

from __future__ import annotations

FEMALE_NAMES: tuple[str, ...] = (
    "Amara", "Ana", "Aisha", "Beatriz", "Camille", "Chen", "Chiara", "Daniela", "Elena", "Fatima",
    "Grace", "Hana", "Ines", "Ingrid", "Jasmine", "Julia", "Keisha", "Laila", "Lucia", "Maria",
    "Maya", "Mei", "Nadia", "Naledi", "Nora", "Olga", "Priya", "Rosa", "Sara", "Sofia", "Tamara",
    "Valentina", "Yasmin", "Yuki", "Zainab", "Zoe",
)
MALE_NAMES: tuple[str, ...] = (
    "Ahmed", "Carlos", "David", "Emeka", "Hiroshi", "Ivan", "James", "Jorge", "Kwame", "Luca",
    "Mateo", "Omar", "Pedro", "Rahul", "Samuel", "Tomas", "Wei", "Yusuf",
)
FAMILY_NAMES: tuple[str, ...] = (
    "Abebe", "Adeyemi", "Alvarez", "Andersen", "Bauer", "Bianchi", "Chowdhury", "Costa", "Dubois",
    "Fernandes", "Garcia", "Haddad", "Hernandez", "Ibrahim", "Ivanova", "Jansen", "Kim", "Kowalski",
    "Li", "Lopez", "Martin", "Mensah", "Moreau", "Nakamura", "Nguyen", "Novak", "Okafor", "Olsen",
    "Patel", "Pereira", "Rossi", "Santos", "Schmidt", "Silva", "Singh", "Smith", "Tanaka", "Torres",
    "Wang", "Williams", "Yilmaz", "Zhang",
)
