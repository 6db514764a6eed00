/** The deck as buttons (group "Your vote"); the pressed one is your vote. */
export function VoteCards({
  cards,
  selected,
  disabled,
  onVote,
}: {
  cards: readonly string[];
  selected: string | null;
  disabled?: boolean;
  onVote: (card: string) => void;
}) {
  return (
    <fieldset className="vote-cards">
      <legend>Your vote</legend>
      <div className="cards">
        {cards.map((card) => (
          <button
            key={card}
            type="button"
            className="vote-card"
            aria-pressed={selected === card}
            disabled={disabled}
            onClick={() => {
              onVote(card);
            }}
          >
            {card}
          </button>
        ))}
      </div>
    </fieldset>
  );
}
