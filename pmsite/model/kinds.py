"""The content kinds: the one answer to "what kinds are there".

Each ``Kind`` holds everything pmsite knows about one kind of content file: its folder
under content/, its URL prefix and list page, the keys its files may have (the common
ones are added once, here), the function that reads it, the template of ``pmsite new``,
and its model class (whose dataclass field metadata says which fields linking fills in;
see ``items.linked_fields``). content reading, URLs, linking, pages, the dependency
tracker, scaffolds, the command line and the templates (``site.kinds``) all read this.

Adding a kind: a model class in items.py, an entry in KINDS, its templates
(``<name>.html`` and, with a list page, ``<folder>.html``), its tests.

This module stays light (the command line and the no-op build import it), so readers
and scaffolds are named here and looked up in their own modules when first used.
"""

from __future__ import annotations

from dataclasses import dataclass

from pmsite.model.items import Goal, Item, Metric, Page, Reflection, Release

# Keys every item may have besides its title key (``title``, or a metric's ``name``).
COMMON_KEYS = ("summary", "tags", "draft", "audience")


@dataclass(frozen=True)
class Kind:
    """One content kind.

    ``name`` is the singular ("goal"): ``Item.kind``, the page template ``<name>.html``
    and ``pmsite new <name>``; ``folder`` ("goals") is the folder under content/, the
    ``Site`` attribute that lists the items and the list page's template ``<folder>.html``.
    """

    name: str
    folder: str
    title: str  # the heading over a list of these items ("Goals")
    model: type[Item]
    keys: tuple[str, ...]  # the kind's own keys, after the title key and COMMON_KEYS
    reader: str  # a function of pmsite.load.readers: (document, fields, site_dir) -> Item
    url_prefix: str  # an item's URL is <url_prefix><slug>/
    has_list_page: bool = True  # a page at url_prefix listing every item (<folder>.html)
    scaffold: str | None = None  # a function of pmsite.scaffold: (title, day) -> file text
    scaffold_suffix: str = ".md"
    title_key: str = "title"  # the key the item's title is read from
    slug_label: str = "slug"  # what an item's identity is called in messages
    list_page: str = ""  # the list page's template, when not <folder>.html

    @property
    def allowed_keys(self) -> tuple[str, ...]:
        """Every key a file of this kind may have, in the order messages list them."""
        return (self.title_key, *COMMON_KEYS, *self.keys)

    @property
    def template(self) -> str:
        """The template of one item's page."""
        return f"{self.name}.html"

    @property
    def list_template(self) -> str:
        """The template of the list page: ``<folder>.html`` unless ``list_page`` says
        otherwise (a kind whose folder is its name: "evidence")."""
        return self.list_page or f"{self.folder}.html"


KINDS: tuple[Kind, ...] = (
    Kind(
        name="goal",
        folder="goals",
        title="Goals",
        model=Goal,
        keys=(
            *("status", "horizon", "target", "confidence", "theme", "owner", "priority"),
            "metrics",
        ),
        reader="read_goal",
        url_prefix="goals/",
        scaffold="goal_text",
    ),
    Kind(
        name="release",
        folder="releases",
        title="Releases",
        model=Release,
        keys=(
            *("version", "date", "status", "target", "highlights", "changes", "breaking"),
            *("intro", "links", "goals", "yanked", "metrics"),
        ),
        reader="read_release",
        url_prefix="releases/",
        scaffold="release_text",
        slug_label="version",
    ),
    Kind(
        name="reflection",
        folder="reflections",
        title="Reflections",
        model=Reflection,
        keys=("date", "period", "wins", "setbacks", "learnings", "next", "goals", "releases"),
        reader="read_reflection",
        url_prefix="reflections/",
        scaffold="reflection_text",
    ),
    Kind(
        name="metric",
        folder="metrics",
        title="Metrics",
        model=Metric,
        keys=("unit", "direction", "description", "points", "csv"),
        reader="read_metric",
        url_prefix="metrics/",
        scaffold="metric_text",
        scaffold_suffix=".yaml",
        title_key="name",
    ),
    Kind(
        name="page",
        folder="pages",
        title="Pages",
        model=Page,
        keys=(),
        reader="read_page",
        url_prefix="",  # free pages live at the root: <slug>/
        has_list_page=False,
    ),
)

_templates = [t for kind in KINDS for t in (kind.template, kind.list_template)]
assert len(set(_templates)) == len(_templates), "two kinds' pages share a template"
BY_NAME = {kind.name: kind for kind in KINDS}
BY_FOLDER = {kind.folder: kind for kind in KINDS}
# content/<folder>/ -> kind name
FOLDERS = {kind.folder: kind.name for kind in KINDS}
SCAFFOLDED = tuple(kind.name for kind in KINDS if kind.scaffold)
