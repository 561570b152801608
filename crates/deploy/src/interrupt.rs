//! Ctrl-C as a stream of interruptions, so the deploy logic can react to the first (clean up) and
//! the second (leave things as they are) the same way in the binary and in tests.

use std::future::Future;

use tokio::sync::mpsc;

/// Interruptions the user asked for.
#[derive(Debug)]
pub struct Interrupts {
    receiver: mpsc::UnboundedReceiver<()>,
    /// Keeps the channel open when nobody else can send (see [`Interrupts::none`]).
    _keep_open: Option<mpsc::UnboundedSender<()>>,
}

impl Interrupts {
    /// Every Ctrl-C from now on. Installing the handler also stops Ctrl-C from killing the process,
    /// which is the point: we decide what happens. Must be called inside a Tokio runtime.
    pub fn ctrl_c() -> Self {
        let (sender, interrupts) = Self::channel();
        // On Unix the handler is in place when this returns (no window where Ctrl-C still kills us).
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            if let Ok(mut stream) = signal(SignalKind::interrupt()) {
                tokio::spawn(async move {
                    while stream.recv().await.is_some() {
                        if sender.send(()).is_err() {
                            break;
                        }
                    }
                });
                return interrupts;
            }
        }
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                if sender.send(()).is_err() {
                    break;
                }
            }
        });
        interrupts
    }

    /// Interruptions sent through the returned sender (tests).
    pub fn channel() -> (mpsc::UnboundedSender<()>, Self) {
        let (sender, receiver) = mpsc::unbounded_channel();
        (
            sender,
            Interrupts {
                receiver,
                _keep_open: None,
            },
        )
    }

    /// Never interrupted.
    pub fn none() -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        Interrupts {
            receiver,
            _keep_open: Some(sender),
        }
    }

    /// Wait for the next interruption; never returns once no one can send any more.
    pub async fn next(&mut self) {
        if self.receiver.recv().await.is_none() {
            std::future::pending::<()>().await;
        }
    }

    /// Whether a Ctrl-C waits to be handled (it stays queued for whoever handles it).
    pub fn pending(&self) -> bool {
        !self.receiver.is_empty()
    }

    /// Handle a queued Ctrl-C, if any: `true` when there was one.
    pub fn take_pending(&mut self) -> bool {
        self.receiver.try_recv().is_ok()
    }

    /// `work`, unless a Ctrl-C comes first or already waits (`None`). Only for work that can be
    /// dropped halfway, i.e. that changes nothing (reads).
    pub async fn unless_interrupted<F: Future>(&mut self, work: F) -> Option<F::Output> {
        tokio::select! {
            biased;
            _ = self.next() => None,
            output = work => Some(output),
        }
    }

    /// `work` run to its end even when the user interrupts it: stopping a call that creates
    /// something halfway could leave that thing behind without us knowing it. `on_interrupt` runs
    /// when a Ctrl-C arrives meanwhile (to say we are finishing first); the flag says whether one
    /// arrived before or during the work, and that Ctrl-C counts as handled.
    pub async fn run_to_end<F: Future>(
        &mut self,
        work: F,
        on_interrupt: impl FnOnce(),
    ) -> (F::Output, bool) {
        let mut work = std::pin::pin!(work);
        tokio::select! {
            biased;
            output = &mut work => {
                let interrupted = self.take_pending();
                return (output, interrupted);
            }
            _ = self.next() => {}
        }
        on_interrupt();
        (work.await, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_interrupted_midway_still_finishes_and_says_so_once() {
        let (sender, mut interrupts) = Interrupts::channel();
        let (done, finished) = tokio::sync::oneshot::channel::<&str>();
        let mut told = 0;
        let work = async {
            // The user presses Ctrl-C while the call is in flight; the answer comes later.
            let _ = sender.send(());
            tokio::task::yield_now().await;
            let _ = done.send("change set cs-1");
            "answer"
        };
        let (output, interrupted) = interrupts.run_to_end(work, || told += 1).await;
        assert_eq!((output, interrupted, told), ("answer", true, 1));
        assert_eq!(finished.await, Ok("change set cs-1"));
        // That Ctrl-C is handled: a later wait does not see it again.
        assert!(!interrupts.pending());
    }

    #[tokio::test]
    async fn work_without_interruption_is_not_flagged() {
        let (_sender, mut interrupts) = Interrupts::channel();
        let mut told = false;
        let (output, interrupted) = interrupts.run_to_end(async { 7 }, || told = true).await;
        assert_eq!((output, interrupted, told), (7, false, false));
    }

    #[tokio::test]
    async fn a_ctrl_c_that_waits_stops_reads_and_flags_work() {
        let (sender, mut interrupts) = Interrupts::channel();
        sender.send(()).unwrap();
        assert!(interrupts.pending());
        assert!(interrupts.pending(), "looking does not handle it");
        assert_eq!(interrupts.unless_interrupted(async { 1 }).await, None);
        assert_eq!(interrupts.unless_interrupted(async { 2 }).await, Some(2));
        sender.send(()).unwrap();
        assert_eq!(interrupts.run_to_end(async { 3 }, || {}).await, (3, true));
        assert!(!interrupts.take_pending());
    }
}
