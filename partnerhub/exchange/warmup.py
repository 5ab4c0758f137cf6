"""The warm-up note a handoff carries: the receiving line's script meeting the buyer's need (law 4)."""


def warmup_note(
    *,
    script: str,
    line_name: str,
    need_category: str,
    need_text: str,
    contact_name: str = "",
    company: str | None = None,
) -> str:
    """Build the note a receiving rep reads first: who asks, for what, and what sparks interest."""
    who = contact_name.strip() or "A buyer"
    if company:
        who = f"{who} ({company.strip()})"
    lines = [f"{who} is looking for {need_category}."]
    if need_text.strip():
        lines.append(f"In their words: \u201c{need_text.strip()}\u201d")
    if script.strip():
        lines.append(f"Open with {line_name or 'your line'}: {script.strip()}")
    return "\n".join(lines)
