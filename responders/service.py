"""The responder job: every stored interaction is matched once and acted on by the policy.

An interaction moves `received -> answered | ticketed | in_review | ignored` in one
compare-and-set update, in the same transaction as its reply, so two daemons (or a crash
between the two writes) can never draft two replies for one message. Automatic answers are
queued `approved` and the send job delivers them; everything else waits for a person.

Just past ~400 lines on purpose: one round of the job, from claim to reply, read top to bottom.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm

from channels.specs import WHATSAPP
from conectados.clock import Clock
from conectados.db import Database
from conectados.privacy import has_personal_data
from notices.sectors import SectorFile
from notices.subscription_words import Command, read_command
from notices.subscriptions import answer, citizen_of, consent_notice, gives_consent, reason_for
from responders import interactions, replies
from responders.automatic_checks import AutomaticRules, second_thoughts
from responders.matcher import Matcher
from responders.models import (
    AUTOMATIC,
    Interaction,
    InteractionKind,
    InteractionState,
    ReplyKind,
    ReplyState,
    ReplyVisibility,
)
from responders.pipeline import (
    active_notices,
    context_for,
    first_private,
    privacy_notice,
    scrub,
)
from responders.policy import ACTION_NAMES, Action, Decision, Thresholds, decide, too_long
from responders.private_fit import condensed_context, fitted, short_privacy_notice, with_notice
from responders.protocol_files import load_catalogue
from responders.protocols import Catalogue, ProtocolAction, RenderError
from responders.public_text import PublicText, company_texts, promises_private, public_text_for
from responders.reloading import Reloading
from responders.sspd import causal_for
from responders.template_values import clean_author, company_values
from responders.terms import TicketType
from responders.ticket_status import ticket_status
from responders.tickets import Filed, TermRules, due_text, file_ticket

log = logging.getLogger("conectados.responder")
LOGGED_KINDS = {
    InteractionKind.COMMENT: "comentario",
    InteractionKind.MENTION: "mención",
    InteractionKind.MESSAGE: "privado",
}
SUBSCRIPTIONS_NETWORK = WHATSAPP.name
"""Where citizens subscribe to notices by writing «AVISOS Centro» (notices/)."""


def causal_of(protocol, text: str) -> str | None:
    """A billing complaint's SSPD causal from what it says; else the protocol's own."""
    default = protocol.causal
    if protocol.pqr_type == TicketType.RECLAMO and (default or "1").startswith("1"):
        return causal_for(text, default)
    return default


STATES = {
    Action.ANSWER: InteractionState.ANSWERED,
    Action.TICKET: InteractionState.TICKETED,
    Action.REVIEW: InteractionState.IN_REVIEW,
    Action.IGNORE: InteractionState.IGNORED,
}


@dataclass
class RespondRound:
    counts: dict[str, int] = field(default_factory=lambda: {action.value: 0 for action in Action})


class Responder:
    """Matches new interactions and answers, queues for review, or leaves them."""

    def __init__(
        self,
        database: Database,
        catalogue: Catalogue,
        settings,
        clock: Clock,
        batch: int = 200,
        reload_protocols: bool = False,
    ) -> None:
        """`reload_protocols`: `catalogue` is the settings' folder's, read again when its files
        change (`from_settings`); the examples and thresholds are reloaded either way."""
        self.database = database
        self.catalogue = catalogue
        self.matcher = Matcher(catalogue)
        self.settings = settings
        rules = settings.responder
        self.thresholds = Thresholds(rules.auto_threshold, rules.review_threshold, rules.min_margin)
        self.reloading = Reloading(
            database, catalogue, self.thresholds, settings.protocols_dir, reload_protocols
        )
        self.version: str | None = None
        """Which protocols, examples and thresholds are in use (None: before the first round)."""
        self.automatic_rules = AutomaticRules(
            timedelta(hours=rules.auto_hours), rules.per_author_hour
        )
        self.company = company_values(settings)
        self.clock = clock
        self.batch = batch
        pqr = settings.pqr
        self.term_rules = TermRules(settings.zone, pqr.saturday_is_working_day, pqr.damage_hours)
        self.privacy_notice = privacy_notice(settings)
        self.short_privacy_notice = short_privacy_notice(settings)
        self.own_texts = company_texts(settings.company)
        self.sectors = SectorFile(settings.sectors_path)

    @classmethod
    def from_settings(
        cls, database: Database, settings, clock: Clock, catalogue: Catalogue | None = None
    ) -> Responder:
        """The one way to build the responder (the office, `pqr radicar`, the review session):
        the protocols from the settings' folder unless `catalogue` is already loaded."""
        if catalogue is None:
            catalogue = load_catalogue(settings.protocols_dir)
        return cls(database, catalogue, settings, clock, reload_protocols=True)

    def reload(self) -> None:
        """Take up what changed since the last round: protocols, company data, learned
        examples, thresholds (one cheap look when nothing did)."""
        company = company_values(self.settings)
        in_use = self.reloading.look(company, self.clock.now())
        if in_use is None:
            return
        self.catalogue = in_use.catalogue
        if in_use.matcher is not None:
            self.matcher = in_use.matcher
        self.thresholds = in_use.thresholds
        self.company = company
        first = self.version is None
        self.version = in_use.learned.version
        log.info("protocolos %s: %s", "cargados" if first else "recargados", self.version)

    def run_once(self) -> RespondRound:
        outcome = RespondRound()
        self.reload()
        while True:
            now = self.clock.now()
            with self.database.session() as session:
                rows = (
                    session.execute(
                        sa.select(Interaction)
                        .where(Interaction.state == InteractionState.RECEIVED)
                        .order_by(Interaction.id)
                        .limit(self.batch)
                    )
                    .scalars()
                    .all()
                )
                notices = active_notices(session.connection(), now, self.settings.zone)
            if not rows:
                return outcome
            for interaction in rows:
                action = self._handle(interaction, notices, now)
                if action is not None:
                    outcome.counts[action.value] += 1
            if len(rows) < self.batch:
                return outcome

    def draft(
        self,
        interaction: Interaction,
        decision: Decision,
        notices: list[dict[str, Any]],
        private: bool | None = None,
        extra: dict[str, Any] | None = None,
        condensed: bool = False,
    ) -> str:
        """The protocol's reply for this citizen, or "" when there is no protocol; `condensed`:
        with one service notice and a line that counts the others (`private_fit`). A message
        that asks two questions answered together gets both answers, a blank line apart."""
        if decision.protocol is None:
            return ""
        context = self.context(interaction, notices) | (extra or {})
        if private is None:
            private = interaction.kind == InteractionKind.MESSAGE
        protocols = [decision.protocol] + ([decision.together] if decision.together else [])

        def render(values: dict[str, Any]) -> str:
            texts = [protocol.render(values, private=private) for protocol in protocols]
            return "\n\n".join(text for text in texts if text)

        text = render(context)
        if not condensed:
            return text
        fewer, more = condensed_context(context)
        shorter = render(fewer)
        if not more or shorter == text:  # the template does not list the notices
            return text
        return f"{shorter}\n\n{more}" if shorter else shorter

    def _private_text(
        self,
        connection: sa.Connection,
        interaction: Interaction,
        decision: Decision,
        notices: list[dict[str, Any]],
        extra: dict[str, Any],
    ) -> str:
        """The protocol's private reply, with the privacy notice on a citizen's first private
        message, in the longest form that fits the network's private message (`private_fit`)."""
        full = self.draft(interaction, decision, notices, private=True, extra=extra)
        if not full:
            return full
        first = self._first_private(connection, interaction)
        notice = self.privacy_notice if first else ""
        short_notice = self.short_privacy_notice if first else ""

        def condensed() -> str:
            return self.draft(interaction, decision, notices, True, extra, condensed=True)

        return fitted(
            interaction.network,
            (
                lambda: with_notice(full, notice),
                lambda: with_notice(condensed(), notice),
                lambda: with_notice(condensed(), short_notice),
            ),
        )

    def context(self, interaction: Interaction, notices: list[dict[str, Any]]) -> dict[str, Any]:
        return context_for(self.company, interaction, notices)

    def _handle(
        self, interaction: Interaction, notices: list[dict[str, Any]], now: datetime
    ) -> Action | None:
        private = interaction.kind == InteractionKind.MESSAGE
        if private and interaction.network == SUBSCRIPTIONS_NETWORK and not interaction.attachments:
            command = read_command(interaction.text, self.sectors.current())
            if command is not None:
                return self._subscription(interaction, command, now)
        decision = decide(self.matcher.match(interaction.text), self.thresholds, private)
        if interaction.attachments and decision.action in (Action.IGNORE, Action.ANSWER):
            # A photo of a leak or a voice note says what the words do not: a person looks.
            decision = Decision(
                Action.REVIEW,
                decision.protocol,
                decision.confidence,
                "trae un adjunto (foto, video, audio o documento) que una persona debe ver",
            )
        try:
            text = self.draft(interaction, decision, notices)
        except RenderError as error:
            # One broken template must not hold up every message behind this one.
            log.error("%s", error)
            decision = self._broken(decision, error)
            text = ""
        with self.database.session(write=True) as session:
            connection = session.connection()
            decision = second_thoughts(
                connection,
                interaction,
                decision,
                text,
                now,
                self._public_text(connection),
                self.automatic_rules,
            )
            decision = self._held_consultation(decision)
            filed = None
            if not interactions.decide(
                connection,
                interaction.id,
                STATES[decision.action],
                decision.protocol.id if decision.protocol else None,
                decision.confidence,
                decision.reason,
                now,
            ):
                return None  # another daemon got to it first
            if decision.action == Action.TICKET:
                filed = file_ticket(
                    connection,
                    self.term_rules,
                    TicketType(decision.protocol.pqr_type or TicketType.PETICION),
                    interaction.network,
                    now,
                    interaction.id,
                    causal_of(decision.protocol, interaction.text),
                    filed_by=AUTOMATIC,
                )
            try:
                rows = self._replies(connection, interaction, decision, notices, filed, now)
            except RenderError as error:
                log.error("%s", error)
                decision = self._broken(decision, error)
                rows = self._replies(connection, interaction, decision, notices, filed, now)
            replies.queue(connection, rows)
        # No author: a log line names the message by its id, never the citizen (Ley 1581).
        log.info(
            "mensaje %s (%s, %s): %s%s (%s)",
            interaction.id,
            interaction.network,
            LOGGED_KINDS.get(interaction.kind, interaction.kind.value),
            ACTION_NAMES[decision.action],
            f" {filed.radicado}" if filed else "",
            decision.reason,
        )
        return decision.action

    def _held_consultation(self, decision: Decision) -> Decision:
        """A consultation a person must see (an attachment, an old message, a reply too long)
        goes to them as its protocol's report, to file or not: a consultation draft under a
        protocol that files could not be approved (`responders.review`)."""
        parent = self.catalogue.get(decision.protocol.id) if decision.protocol else None
        if decision.action == Action.ANSWER or parent is None or decision.protocol is parent:
            return decision
        return replace(decision, protocol=parent)

    def _subscription(
        self, interaction: Interaction, command: Command, now: datetime
    ) -> Action | None:
        """A subscription command: the consent written (notices/) and one automatic private
        reply that confirms it, in one transaction with the interaction's decision."""
        reason = reason_for(command)
        with self.database.session(write=True) as session:
            connection = session.connection()
            if not interactions.decide(
                connection, interaction.id, InteractionState.ANSWERED, None, 1.0, reason, now
            ):
                return None  # another daemon got to it first
            first = self._first_private(connection, interaction)
            citizen = citizen_of(interaction)
            # Ley 1581: a consent is informed. A first consent carries the notice of what the
            # number is used for, even when the person chatted before; otherwise the first
            # private message carries the general one.
            informed = gives_consent(connection, command, citizen)
            text = answer(
                connection,
                command,
                citizen,
                self.sectors.current(),
                interaction.id,
                interaction.text,
                now,
            )
            notice = self.privacy_notice if first else ""
            if informed:
                notice = consent_notice(
                    self.settings.company.name, self.settings.pqr.privacy_policy_url
                )
            row = {
                "interaction_id": interaction.id,
                "confidence": 1.0,
                "review_note": reason,
                "created_at": now,
                "state": ReplyState.APPROVED,
                "reviewer": AUTOMATIC,
                "decided_at": now,
                "kind": ReplyKind.ANSWER,
                "visibility": ReplyVisibility.PRIVATE,
                "text": with_notice(text, notice),
            }
            replies.queue(connection, [row])
        log.info("mensaje %s (%s, privado): %s", interaction.id, interaction.network, reason)
        return Action.ANSWER

    def acknowledgements(
        self,
        connection: sa.Connection,
        interaction: Interaction,
        protocol,
        filed: Filed,
        reason: str,
        now: datetime,
    ) -> list[dict[str, Any]]:
        """The replies this path queues for a ticket just filed, for a ticket a person filed
        by hand: the same texts, the same places, the same personal-data rules."""
        notices = active_notices(connection, now, self.settings.zone)
        decision = Decision(Action.TICKET, protocol, interaction.confidence or 0.0, reason)
        return self._replies(connection, interaction, decision, notices, filed, now)

    def _replies(
        self,
        connection: sa.Connection,
        interaction: Interaction,
        decision: Decision,
        notices: list[dict[str, Any]],
        filed: Filed | None,
        now: datetime,
    ) -> list[dict[str, Any]]:
        """The rows to queue: what is said, where (public or private), and whether it waits.

        - answer: the protocol's reply, approved; review: the draft, pending;
        - ticket: an acknowledgement with the radicado and due date in private, and, for a
          public comment, a courteous public one that invites the citizen to private;
        - a public comment with personal data: the public reply is only a note that we
          continue in private, and everything else goes private.
        """
        if decision.action == Action.IGNORE:
            return []
        public = interaction.kind != InteractionKind.MESSAGE
        exposed = public and has_personal_data(interaction.text)
        automatic = decision.action in (Action.ANSWER, Action.TICKET)
        kind = ReplyKind.ACKNOWLEDGEMENT if filed else ReplyKind.ANSWER
        extra: dict[str, Any] = {}
        if filed is not None:
            extra = {
                "radicado": filed.radicado,
                "fecha_limite": due_text(filed.term.due_on, filed.term.due_at, self.settings.zone),
            }
        elif not public:
            extra = self._ticket_status(connection, interaction)
        base = {
            "interaction_id": interaction.id,
            "ticket_id": filed.id if filed else None,
            "protocol": decision.protocol.id if decision.protocol else None,
            "confidence": decision.confidence,
            "review_note": decision.reason,
            "created_at": now,
            "state": ReplyState.APPROVED if automatic else ReplyState.PENDING,
            "reviewer": AUTOMATIC if automatic else None,
            "decided_at": now if automatic else None,
            "kind": kind,
        }
        rows: list[dict[str, Any]] = []
        promised = False
        if public and not exposed:
            text = self.draft(interaction, decision, notices, private=False, extra=extra)
            rows.append(base | {"visibility": ReplyVisibility.PUBLIC, "text": text})
            promised = filed is None and promises_private(text)
        if promised:
            rows.append(self._promised(connection, interaction, decision, notices, base))
        if public and exposed:
            rows.append(
                base
                | {
                    "visibility": ReplyVisibility.PUBLIC,
                    "text": self._privacy_note(interaction),
                    "state": ReplyState.APPROVED,
                    "reviewer": AUTOMATIC,
                    "decided_at": now,
                    "review_note": "el comentario trae datos personales: se sigue en privado",
                    "kind": ReplyKind.ACKNOWLEDGEMENT,  # a note, not the answer
                }
            )
        if not public or exposed or filed is not None:
            text = self._private_text(connection, interaction, decision, notices, extra)
            rows.append(base | {"visibility": ReplyVisibility.PRIVATE, "text": text})
        if decision.also is not None:
            rows.append(self._other_half(connection, interaction, decision, notices, base, exposed))
        # A text longer than the network takes (Instagram's private reply: 1,000) would only
        # be refused there, and a comment's one private reply lost: a person shortens it.
        for row in rows:
            if row["visibility"] != ReplyVisibility.PRIVATE:
                continue  # a public reply's length is judged with its answer (second_thoughts)
            problem = too_long(interaction.network, row["text"], private=True)
            if problem and row["state"] == ReplyState.APPROVED:
                row |= {
                    "state": ReplyState.PENDING,
                    "reviewer": None,
                    "decided_at": None,
                    "review_note": f"la respuesta {problem}: acórtela",
                }
        # Whatever the citizen wrote (and a name with data in it) never goes out in public.
        check = self._public_text(connection)
        for row in rows:
            if row["visibility"] != ReplyVisibility.PUBLIC:
                continue
            row["text"] = scrub(row["text"], interaction)
            exposure = check.exposure(row["text"])
            if exposure is not None:  # the template itself carries it: a person decides
                row |= {
                    "state": ReplyState.PENDING,
                    "reviewer": None,
                    "decided_at": None,
                    "review_note": f"el borrador público trae {exposure.kinds_described()}: "
                    "quite esos datos o envíela por mensaje privado",
                }
        return rows

    def _promised(
        self,
        connection: sa.Connection,
        interaction: Interaction,
        decision: Decision,
        notices: list[dict[str, Any]],
        base: dict[str, Any],
    ) -> dict[str, Any]:
        """The private message a public reply promises («le daremos razón por mensaje
        privado»): the protocol's private reply, with the status of a radicado the citizen
        filed (only to them, as in private); when there is nothing to tell them yet (a radicado
        that is not theirs, or none), a person writes it from the draft."""
        status = self._ticket_status(connection, interaction)
        text = self._private_text(connection, interaction, decision, notices, status)
        row = base | {"visibility": ReplyVisibility.PRIVATE, "text": text}
        if not status and row["state"] == ReplyState.APPROVED:
            row |= {
                "state": ReplyState.PENDING,
                "reviewer": None,
                "decided_at": None,
                "review_note": "la respuesta pública promete un mensaje privado y no hay un "
                "estado que contarle (el radicado no es de esta cuenta o no lo dio): "
                "consulte el caso y complete el borrador",
            }
        return row

    def _other_half(
        self,
        connection: sa.Connection,
        interaction: Interaction,
        decision: Decision,
        notices: list[dict[str, Any]],
        base: dict[str, Any],
        exposed: bool,
    ) -> dict[str, Any]:
        """A question and a complaint in one message: the draft of the half the decision is not
        about (the answer next to a filed complaint, or the acknowledgement next to an answer),
        pending for a person."""
        other = decision.also
        private = interaction.kind == InteractionKind.MESSAGE or exposed
        extra = self._ticket_status(connection, interaction) if private else {}
        half = Decision(decision.action, other, decision.confidence, decision.reason)
        return base | {
            "protocol": other.id,
            "visibility": ReplyVisibility.PRIVATE if private else ReplyVisibility.PUBLIC,
            "text": self.draft(interaction, half, notices, private=private, extra=extra),
            "state": ReplyState.PENDING,
            "reviewer": None,
            "decided_at": None,
            "kind": ReplyKind.ACKNOWLEDGEMENT
            if other.action == ProtocolAction.TICKET
            else ReplyKind.ANSWER,
            "review_note": f"{decision.reason} (segundo borrador: {other.name})",
        }

    def _public_text(self, connection: sa.Connection) -> PublicText:
        return public_text_for(connection, self.own_texts)

    @staticmethod
    def _broken(decision: Decision, error: RenderError) -> Decision:
        """The protocol's template failed: a person writes this one (no draft)."""
        return Decision(
            Action.REVIEW, None, decision.confidence, f"{error}; escriba la respuesta a mano"
        )

    def _privacy_note(self, interaction: Interaction) -> str:
        author = clean_author(interaction.author_name)
        greeting = f"Hola, {author}." if author else "Hola."
        return (
            f"{greeting} Por su seguridad, no publique datos personales (cédula, número de cuenta, "
            "teléfono, dirección) en los comentarios. Le escribimos por mensaje privado para "
            "continuar con su caso."
        )

    def _first_private(self, connection: sa.Connection, interaction: Interaction) -> bool:
        return first_private(connection, interaction)

    def _ticket_status(self, connection: sa.Connection, interaction: Interaction) -> dict[str, Any]:
        return ticket_status(connection, interaction, self.settings.zone)
