// The node agent's composition root (issue 2).
export {};
