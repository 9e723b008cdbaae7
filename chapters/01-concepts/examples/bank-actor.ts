// A hundred concurrent deposits, twice. First on a shared balance, where each deposit reads, awaits, then
// writes, so updates are lost. Then through an actor that owns the balance: the deposits are messages in
// its mailbox, handled one at a time, and none is lost, although the handler awaits at the same spot.
// Run: npx tsx chapters/01-concepts/examples/bank-actor.ts

/** Stands for any I/O in the middle of an update: writing an audit record, calling another service. */
const someIO = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

const amounts = Array.from({ length: 100 }, (_, i) => i + 1);
const expected = amounts.reduce((a, b) => a + b, 0);

// 1. Shared state: every deposit can see, and overwrite, the balance while another one is half done.
let sharedBalance = 0;
async function depositShared(amount: number): Promise<void> {
  const before = sharedBalance;
  await someIO();
  sharedBalance = before + amount;
}

// 2. An actor: the balance is a local variable nobody else can reach; a deposit is a letter in the mailbox.
interface Deposit {
  readonly amount: number;
  /** The reply: the balance right after this deposit. */
  readonly receipt: (balance: number) => void;
}

function openAccount() {
  let balance = 0;
  const mailbox: Deposit[] = [];
  let busy = false;

  async function handleMail(): Promise<void> {
    busy = true;
    while (mailbox.length > 0) {
      const { amount, receipt } = mailbox.shift()!;
      const before = balance;
      await someIO(); // the same await as above, but the next letter waits until this one is done
      balance = before + amount;
      receipt(balance);
    }
    busy = false;
  }

  return {
    deposit(amount: number): Promise<number> {
      return new Promise((receipt) => {
        mailbox.push({ amount, receipt });
        if (!busy) void handleMail();
      });
    },
  };
}

await Promise.all(amounts.map(depositShared));
const account = openAccount();
const receipts = await Promise.all(amounts.map((amount) => account.deposit(amount)));

console.log(`deposited in total:      ${expected}`);
console.log(`shared balance:          ${sharedBalance}   ← ${expected - sharedBalance} went missing`);
console.log(`actor's last receipt:    ${receipts.at(-1)}`);
console.log(`actor's first receipts:  ${receipts.slice(0, 5).join(", ")}, … (one deposit after the other)`);
