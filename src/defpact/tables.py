"""Every context's table modules, imported so that Base.metadata knows the whole schema."""

from __future__ import annotations

import defpact.core.audit  # noqa: F401
import defpact.core.changes  # noqa: F401
import defpact.core.store  # noqa: F401
import defpact.federation.store  # noqa: F401
import defpact.governance.store  # noqa: F401
import defpact.procurement.store  # noqa: F401
import defpact.threats.correlation.store  # noqa: F401
import defpact.threats.disinfo.store  # noqa: F401
import defpact.threats.intel.store  # noqa: F401
import defpact.threats.stix.refs  # noqa: F401
import defpact.threats.stix.store  # noqa: F401
import defpact.training.store  # noqa: F401
import defpact.training.store_academy  # noqa: F401

__all__ = ["load_all_tables"]


def load_all_tables() -> None:
    """Importing this module registers the tables; the call documents the intent at call sites."""
