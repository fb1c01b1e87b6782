"""Where a chain starts after its first rows left by a retention schedule.

The access log's oldest rows are expired (accesslog.services.expire_access_log), so its chains
lose their beginnings. Before they go, the schedule records the newest expired row of each
chain here, with an HMAC of its own: the check then takes a chain that starts after that row as
whole, and one that starts anywhere else as rows deleted. Whole chains deleted (a purged case's
history) leave nothing here; `forget_chains` removes a chain's start when its rows are purged.
"""

from django.db import models


class ChainStart(models.Model):
    table = models.CharField(max_length=100)
    record = models.CharField(max_length=200)
    # The newest expired row of the chain: the next row's seq is seq + 1, its previous hash is
    # hash.
    seq = models.PositiveIntegerField()
    hash = models.CharField(max_length=64)
    mac = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["table", "record"], name="audit_chain_start"),
        ]

    def __str__(self) -> str:
        return f"{self.table}:{self.record} from {self.seq + 1}"
