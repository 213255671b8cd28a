"""Every occurrence of many strings in a text, in one pass (Aho-Corasick): linear in the text
however many strings are looked for."""

from __future__ import annotations


class Finder:
    """Aho-Corasick automaton: every occurrence of many strings in one pass over a text."""

    def __init__(self, words: set[str]) -> None:
        self.goto: list[dict[str, int]] = [{}]
        self.fail = [0]
        self.longest = [0]  # length of the longest word ending at each state
        for word in words:
            state = 0
            for char in word:
                if char not in self.goto[state]:
                    self.goto.append({})
                    self.fail.append(0)
                    self.longest.append(0)
                    self.goto[state][char] = len(self.goto) - 1
                state = self.goto[state][char]
            self.longest[state] = len(word)
        queue = list(self.goto[0].values())
        for state in queue:  # breadth first: a state's fail link is shallower than it
            for char, child in self.goto[state].items():
                queue.append(child)
                link = self.fail[state]
                while link and char not in self.goto[link]:
                    link = self.fail[link]
                self.fail[child] = self.goto[link].get(char, 0)
                self.longest[child] = max(self.longest[child], self.longest[self.fail[child]])

    def occurrences(self, text: str) -> list[tuple[int, int]]:
        """Spans of the words in `text`, left to right; words that overlap make one span."""
        found: list[tuple[int, int]] = []
        state = 0
        for index, char in enumerate(text):
            while state and char not in self.goto[state]:
                state = self.fail[state]
            state = self.goto[state].get(char, 0)
            length = self.longest[state]  # shorter words ending here lie inside this one
            if length:
                start = index + 1 - length
                while found and found[-1][1] > start:
                    start = min(start, found.pop()[0])
                found.append((start, index + 1))
        return found
