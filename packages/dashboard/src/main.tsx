// Entry point: mounts the app. The dashboard talks to the HTTP API only; it never imports the
// library or the server.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import './styles.css';

const root = document.getElementById('app');
if (!root) throw new Error('index.html has no #app element');
createRoot(root).render(<StrictMode><App /></StrictMode>);
