import { CreateRoomDocument, MyRoomsDocument } from '@generated/graphql';
import { useId, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useMutation, useQuery } from 'urql';
import { ErrorMessage, Loading } from '../components/Messages';
import { combinedErrorMessage, resultErrorMessage } from '../graphql/errors';
import { DECKS, formText, roomIdFromInput } from '../lib/rooms';

function NewRoomForm({ onCancel }: { onCancel: () => void }) {
  const navigate = useNavigate();
  const [result, createRoom] = useMutation(CreateRoomDocument);
  const [error, setError] = useState<string | null>(null);
  const nameId = useId();
  const deckId = useId();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const name = formText(form, 'name');
    if (!name) {
      setError('Give the room a name.');
      return;
    }
    const deck = DECKS.find((choice) => choice.id === form.get('deck')) ?? DECKS[0];
    setError(null);
    const response = await createRoom({ name, cards: deck?.cards ?? null });
    const payload = response.data?.createRoom;
    const message = resultErrorMessage(response.error, payload?.errors);
    if (message || !payload?.room) {
      setError(message ?? 'The room could not be created.');
      return;
    }
    void navigate(`/rooms/${encodeURIComponent(payload.room.id)}`);
  }

  return (
    <form id="new-room-form" className="form card" onSubmit={(event) => void onSubmit(event)}>
      <div className="field">
        <label htmlFor={nameId}>Room name</label>
        <input id={nameId} name="name" type="text" required maxLength={200} autoFocus />
      </div>
      <div className="field">
        <label htmlFor={deckId}>Deck</label>
        <select id={deckId} name="deck" defaultValue={DECKS[0]?.id}>
          {DECKS.map((deck) => (
            <option key={deck.id} value={deck.id}>
              {deck.label}
            </option>
          ))}
        </select>
      </div>
      <ErrorMessage message={error} />
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={result.fetching}>
          Create
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function OpenRoomLink() {
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const inputId = useId();
  return (
    <form
      className="form inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        const value = new FormData(event.currentTarget).get('link');
        const roomId = roomIdFromInput(typeof value === 'string' ? value : '');
        if (!roomId) {
          setError('That is not a room link. Paste a link like …/rooms/<id>.');
          return;
        }
        setError(null);
        void navigate(`/rooms/${encodeURIComponent(roomId)}`);
      }}
    >
      <div className="field">
        <label htmlFor={inputId}>Room link</label>
        <input id={inputId} name="link" type="text" inputMode="url" autoComplete="off" />
      </div>
      <button type="submit" className="button">
        Open room
      </button>
      <ErrorMessage message={error} />
    </form>
  );
}

export default function RoomsPage() {
  const [{ data, fetching, error }, refetch] = useQuery({ query: MyRoomsDocument });
  const [creating, setCreating] = useState(false);
  const newRoomButton = useRef<HTMLButtonElement>(null);
  const rooms = data?.myRooms;

  return (
    <div className="page">
      <div className="page-header">
        <h1>Rooms</h1>
        <button
          ref={newRoomButton}
          type="button"
          className="button button-primary"
          aria-expanded={creating}
          aria-controls={creating ? 'new-room-form' : undefined}
          onClick={() => {
            setCreating((open) => !open);
          }}
        >
          New room
        </button>
      </div>
      {creating ? (
        <NewRoomForm
          onCancel={() => {
            setCreating(false);
            newRoomButton.current?.focus();
          }}
        />
      ) : null}

      <section aria-labelledby="my-rooms-heading" className="card">
        <h2 id="my-rooms-heading">Your rooms</h2>
        {fetching && rooms === undefined ? <Loading label="Loading rooms…" /> : null}
        <ErrorMessage message={rooms ? null : combinedErrorMessage(error)}>
          <button
            type="button"
            className="button"
            onClick={() => {
              refetch({ requestPolicy: 'network-only' });
            }}
          >
            Try again
          </button>
        </ErrorMessage>
        {rooms?.length === 0 ? (
          <p className="empty">
            No rooms yet. Create one with “New room”, or open a room link someone shared with you.
          </p>
        ) : null}
        {rooms && rooms.length > 0 ? (
          <ul className="room-list">
            {rooms.map((room) => (
              <li key={room.id}>
                <Link to={`/rooms/${encodeURIComponent(room.id)}`}>{room.name}</Link>
                <span className="meta">
                  created {new Date(room.createdAt).toLocaleDateString()}
                </span>
              </li>
            ))}
          </ul>
        ) : null}
      </section>

      <section aria-labelledby="join-heading" className="card">
        <h2 id="join-heading">Join by link</h2>
        <p className="hint">Someone shared a room link? Paste it here, or just open it.</p>
        <OpenRoomLink />
      </section>
    </div>
  );
}
